import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseFilters } from '../../api/query';
import type { ContainerService } from '../../containers/service';
import { InvalidArgument } from '../../errdefs';
import type { ImageService } from '../../images/image-service';
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
