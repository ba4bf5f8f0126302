import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseFilters } from '../../api/query';
import type { ContainerService } from '../../containers/service';
import { InvalidArgument } from '../../errdefs';
import type { ImageService } from '../../images/image-service';
import { Leases, imageKey } from '../../images/leases';
import { BuildEngine } from './build-engine';

let tmp: string;
let engine: BuildEngine;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-build-engine-'));
  engine = new BuildEngine({
    root: tmp,
    images: {} as ImageService,
    containers: {} as ContainerService,
    runtime: { dir: () => '', list: () => [] },
  });
  engine.init();
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('BuildEngine.prune filters', () => {
  it.each(['type', 'inuse', 'shared', 'private', 'parent', 'description', 'label'])(
    'refuses the unsupported filter %s, naming it',
    async (key) => {
      const filters = parseFilters(JSON.stringify({ [key]: ['x'] }));
      const p = engine.prune({ all: false, filters, keepStorage: 0 });
      await expect(p).rejects.toThrow(InvalidArgument);
      await expect(p).rejects.toThrow(new RegExp(`'${key}'`));
    },
  );

  it('accepts until, unused-for and id', async () => {
    for (const f of [{ until: ['24h'] }, { 'unused-for': ['1h'] }, { id: ['abc'] }]) {
      const report = await engine.prune({ all: false, filters: parseFilters(JSON.stringify(f)), keepStorage: 0 });
      expect(report).toEqual({ CachesDeleted: [], SpaceReclaimed: 0 });
    }
  });
});

describe('BuildEngine.removeOrphanedRuns', () => {
  it('removes only the RUN containers the builder recorded, whatever the labels say', async () => {
    const user = 'a'.repeat(64);
    const lost = 'b'.repeat(64);
    const gone = 'c'.repeat(64);
    const labels = { 'com.berth.build': 'run', 'com.berth.build.rm': '1' };
    const removed: string[] = [];
    const make = () =>
      new BuildEngine({
        root: tmp,
        images: {} as ImageService,
        containers: {
          remove: async (id: string) => {
            removed.push(id);
          },
        } as unknown as ContainerService,
        runtime: {
          dir: () => '',
          list: () =>
            [user, lost].map((id) => ({ id, spec: { labels } })) as unknown as ReturnType<
              ConstructorParameters<typeof BuildEngine>[0]['runtime']['list']
            >,
        },
      });
    const e = make();
    e.init();
    fs.writeFileSync(path.join(tmp, 'runs', lost), '');
    fs.writeFileSync(path.join(tmp, 'runs', gone), '');
    expect(await e.removeOrphanedRuns()).toEqual([lost]);
    expect(removed).toEqual([lost]);
    expect(fs.readdirSync(path.join(tmp, 'runs'))).toEqual([]);
  });
});

describe('BuildEngine.prune and builds in progress', () => {
  it('keeps the cache entries of images a build leases', async () => {
    const leases = new Leases();
    const inUse = `sha256:${'d'.repeat(64)}`;
    const idle = `sha256:${'e'.repeat(64)}`;
    const e = new BuildEngine({
      root: tmp,
      images: {
        ctx: { leases, snapshotter: { peek: () => undefined } },
        find: () => undefined,
      } as unknown as ImageService,
      containers: {} as ContainerService,
      runtime: { dir: () => '', list: () => [] },
    });
    e.init();
    await e.cache.set('sha256:aaaa', { id: inUse, parent: '', description: 'RUN a' });
    await e.cache.set('sha256:bbbb', { id: idle, parent: '', description: 'RUN b' });
    const lease = leases.create().add(imageKey(inUse));
    const report = await e.prune({ all: true, filters: new Map(), keepStorage: 0 });
    lease.release();
    expect(report.CachesDeleted).toEqual(['bbbb']);
    expect(e.cache.list().map(([k]) => k)).toEqual(['sha256:aaaa']);
  });
});
