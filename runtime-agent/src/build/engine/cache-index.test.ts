import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CacheIndex } from './cache-index';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cache-index-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

it('persists entries across instances and counts uses', async () => {
  const a = new CacheIndex(dir);
  a.load();
  await a.set('sha256:k1', { id: 'sha256:i1', parent: '', description: 'RUN x', layer: 'sha256:l1' });
  await a.touch('sha256:k1');
  const b = new CacheIndex(dir);
  b.load();
  expect(b.get('sha256:k1')).toMatchObject({ id: 'sha256:i1', description: 'RUN x', usageCount: 2 });
  await b.delete(['sha256:k1']);
  const c = new CacheIndex(dir);
  c.load();
  expect(c.list()).toEqual([]);
});

it('a damaged index is an empty cache', () => {
  fs.writeFileSync(path.join(dir, 'cache.json'), '{not json');
  const idx = new CacheIndex(dir);
  idx.load();
  expect(idx.list()).toEqual([]);
});
