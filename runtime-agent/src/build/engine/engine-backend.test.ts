import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ContainerService } from '../../containers/service';
import type { ImageService } from '../../images/image-service';
import { Leases, imageKey } from '../../images/leases';
import type { StepIO } from '../backend';
import type { ConfigStep } from '../planner/types';
import { CacheIndex } from './cache-index';
import { EngineBackend } from './engine-backend';
import { RunRecords } from './run-records';
import type { RunSettings } from './run-container';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-engine-backend-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const BASE = `sha256:${'1'.repeat(64)}`;
const CACHED = `sha256:${'2'.repeat(64)}`;
const MADE = `sha256:${'3'.repeat(64)}`;

it('leases every image the build names (base, cache hit, step result) until it is disposed', async () => {
  const leases = new Leases();
  const images = {
    find: (ref: string) =>
      ref === 'base' ? { id: BASE } : [BASE, CACHED, MADE].includes(ref) ? { id: ref } : undefined,
    configOf: async () => ({ config: {} }),
    commit: async () => MADE,
    lease: (id: string) => {
      const l = leases.create().add(imageKey(id));
      return () => l.release();
    },
  } as unknown as ImageService;
  const cache = new CacheIndex(tmp);
  cache.load();
  await cache.set('k', { id: CACHED, parent: BASE, description: 'RUN x' });
  const b = new EngineBackend(
    {
      images,
      containers: {} as ContainerService,
      runtime: { dir: () => '' },
      cache,
      tmpDir: tmp,
      cacheMountsDir: tmp,
      runs: new RunRecords(path.join(tmp, 'runs')),
    },
    {} as RunSettings,
  );
  const io = { signal: new AbortController().signal, progress: () => undefined } as unknown as StepIO;
  const base = await b.baseImage('base', { pull: false }, io);
  const hit = await b.cacheLookup('k');
  const made = await b.config(hit!, { op: 'config', config: {}, createdBy: 'ENV a=b' } as unknown as ConfigStep);
  expect([base.state.id, hit?.id, made.id]).toEqual([BASE, CACHED, MADE]);
  for (const id of [BASE, CACHED, MADE]) expect(leases.has(imageKey(id))).toBe(true);
  await b.dispose({ removeContainers: false });
  expect(leases.size).toBe(0);
});
