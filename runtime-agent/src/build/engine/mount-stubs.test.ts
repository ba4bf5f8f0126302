import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { removeMountStubs } from './mount-stubs';

let tmp: string;
let upper: string;
let lower: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-stubs-'));
  upper = path.join(tmp, 'upper');
  lower = path.join(tmp, 'lower');
  fs.mkdirSync(path.join(lower, 'usr'), { recursive: true });
  fs.mkdirSync(upper);
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

it('removes empty targets and the parents they created, keeps what the image or the step has', async () => {
  fs.mkdirSync(path.join(upper, 'opt/tools'), { recursive: true });
  fs.mkdirSync(path.join(upper, 'mnt'), { recursive: true });
  fs.writeFileSync(path.join(upper, 'mnt/data.txt'), '');
  fs.mkdirSync(path.join(upper, 'usr/cache'), { recursive: true });
  fs.mkdirSync(path.join(upper, 'work/out'), { recursive: true });
  fs.writeFileSync(path.join(upper, 'work/made-by-run.txt'), 'x');
  await removeMountStubs(upper, [lower], ['/opt/tools', '/mnt/data.txt', '/usr/cache', '/work/out']);
  expect(fs.readdirSync(upper).sort()).toEqual(['usr', 'work']);
  expect(fs.readdirSync(path.join(upper, 'usr'))).toEqual([]);
  expect(fs.readdirSync(path.join(upper, 'work'))).toEqual(['made-by-run.txt']);
});

it('keeps a target the parent image already has', async () => {
  fs.mkdirSync(path.join(lower, 'srv'));
  fs.mkdirSync(path.join(upper, 'srv'));
  await removeMountStubs(upper, [lower], ['/srv']);
  expect(fs.existsSync(path.join(upper, 'srv'))).toBe(true);
});

it('never follows a symlink the step put in place of a parent of a target', async () => {
  const host = path.join(tmp, 'host');
  fs.mkdirSync(path.join(host, 'tools'), { recursive: true });
  fs.writeFileSync(path.join(host, 'empty.txt'), '');
  fs.symlinkSync(host, path.join(upper, 'opt'));
  fs.mkdirSync(path.join(upper, 'a/b'), { recursive: true });
  fs.symlinkSync(host, path.join(upper, 'a/b/c'));
  await removeMountStubs(upper, [lower], ['/opt/tools', '/opt/empty.txt', '/a/b/c/tools']);
  expect(fs.readdirSync(host).sort()).toEqual(['empty.txt', 'tools']);
  expect(fs.lstatSync(path.join(upper, 'opt')).isSymbolicLink()).toBe(true);
  expect(fs.lstatSync(path.join(upper, 'a/b/c')).isSymbolicLink()).toBe(true);
});

it('keeps a stub target the step filled, or the image has, removes the empty ones', async () => {
  fs.mkdirSync(path.join(lower, 'etc'));
  fs.writeFileSync(path.join(lower, 'etc/hosts'), '127.0.0.1 localhost\n');
  fs.mkdirSync(path.join(upper, 'etc'));
  fs.writeFileSync(path.join(upper, 'etc/hostname'), '');
  fs.writeFileSync(path.join(upper, 'etc/hosts'), '');
  fs.writeFileSync(path.join(upper, 'etc/resolv.conf'), 'nameserver 10.0.0.1\n');
  await removeMountStubs(upper, [lower], ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf']);
  expect(fs.readdirSync(path.join(upper, 'etc')).sort()).toEqual(['hosts', 'resolv.conf']);
});
