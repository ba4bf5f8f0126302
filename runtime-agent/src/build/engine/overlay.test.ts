import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { InvalidArgument } from '../../errdefs';
import { mountOverlay } from './overlay';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-overlay-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

it('leaves no directory behind when the overlay cannot be prepared', () => {
  // More lower dirs than fit in a page of mount options: prepareRootfs refuses.
  const lowers = Array.from({ length: 2000 }, (_, i) => path.join(tmp, `missing-${i}`));
  expect(() => mountOverlay(path.join(tmp, 'ovs'), lowers)).toThrow(InvalidArgument);
  expect(fs.readdirSync(path.join(tmp, 'ovs'))).toEqual([]);
});
