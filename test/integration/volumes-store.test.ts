/** VolumeStore as the containers module uses it: option mounts, copy-up, in-use refusal. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseFilters } from '../../runtime-agent/src/api/query';
import { isMountPoint, VolumeStore } from '../../runtime-agent/src/volumes/store';
import { describeRoot } from '../support/env';

describeRoot('volume store', () => {
  let dir: string;
  let store: VolumeStore;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-vol-'));
    store = new VolumeStore(path.join(dir, 'volumes'));
    store.init();
  });
  afterEach(() => {
    for (const v of store.list(parseFilters(undefined))) {
      const mp = v.Mountpoint;
      if (isMountPoint(mp)) fs.rmSync(mp, { recursive: true, force: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('mounts a tmpfs volume on first use and unmounts after the last user', () => {
    const v = store.create({ Name: 'scratch', DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
    expect(isMountPoint(v.Mountpoint)).toBe(false);
    const p1 = store.acquire('scratch', 'c1');
    store.acquire('scratch', 'c2');
    expect(p1).toBe(v.Mountpoint);
    const line = fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .find((l) => l.split(' ')[4] === p1);
    expect(line).toMatch(/ - tmpfs tmpfs .*size=1024k/);
    store.release('scratch', 'c1');
    expect(isMountPoint(p1)).toBe(true);
    store.release('scratch', 'c2');
    expect(isMountPoint(p1)).toBe(false);
  });

  it('bind-mounts a host directory with type=none,o=bind', () => {
    const host = path.join(dir, 'hostdir');
    fs.mkdirSync(host);
    fs.writeFileSync(path.join(host, 'f'), 'x');
    store.create({ Name: 'bd', DriverOpts: { type: 'none', o: 'bind', device: host } });
    const p = store.acquire('bd', 'c1');
    expect(fs.readFileSync(path.join(p, 'f'), 'utf8')).toBe('x');
    store.release('bd', 'c1');
    expect(fs.existsSync(path.join(p, 'f'))).toBe(false);
  });

  it('copies image content into a fresh volume once, keeping ownership and modes', async () => {
    const src = path.join(dir, 'src');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'sub', 'a'), 'a');
    fs.chownSync(path.join(src, 'sub', 'a'), 1000, 1000);
    fs.chmodSync(path.join(src, 'sub', 'a'), 0o600);
    fs.chownSync(src, 1000, 50);
    const v = store.create({ Name: 'cp' });
    await store.populate('cp', src);
    const st = fs.statSync(path.join(v.Mountpoint, 'sub', 'a'));
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([1000, 1000, 0o600]);
    expect(fs.statSync(v.Mountpoint).uid).toBe(1000);
    fs.writeFileSync(path.join(src, 'later'), 'new');
    fs.rmSync(path.join(v.Mountpoint, 'sub'), { recursive: true });
    await store.populate('cp', src);
    expect(fs.readdirSync(v.Mountpoint)).toEqual([]);
  });

  it('refuses to remove a volume in use and survives a restart', () => {
    store.create({ Name: 'busy', Labels: { a: '1' } });
    store.setUsage({ usersOf: (n) => (n === 'busy' ? ['abc123'] : []) });
    expect(() => store.remove('busy')).toThrow(/volume is in use - \[abc123\]/);
    const again = new VolumeStore(path.join(dir, 'volumes'));
    again.init();
    expect(again.get('busy').Labels).toEqual({ a: '1' });
    expect(again.list(parseFilters('{"dangling":["true"]}')).map((v) => v.Name)).toEqual(['busy']);
  });
});
