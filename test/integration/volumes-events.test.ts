/** Volumes and events through the real docker CLI. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRoot } from '../support/env';
import { request, startBerthd, type BerthdHandle } from '../support/berthd';
import { docker } from '../support/docker-cli';

describeRoot('volumes and events (docker CLI)', () => {
  let d: BerthdHandle;
  beforeAll(async () => {
    d = await startBerthd();
  });
  afterAll(async () => {
    await d?.stop();
    d?.cleanup();
  });

  it('creates, lists, inspects and removes volumes', async () => {
    const c = await docker(d.host, ['volume', 'create', '--label', 'team=berth', 'data1']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout.trim()).toBe('data1');
    const anon = await docker(d.host, ['volume', 'create']);
    expect(anon.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    const ls = await docker(d.host, [
      'volume',
      'ls',
      '--format',
      '{{.Name}} {{.Driver}}',
      '--filter',
      'label=team=berth',
    ]);
    expect(ls.stdout.trim()).toBe('data1 local');
    const insp = await docker(d.host, ['volume', 'inspect', 'data1']);
    const v = (JSON.parse(insp.stdout) as Array<{ Mountpoint: string; Labels: Record<string, string> }>)[0]!;
    expect(v.Mountpoint).toBe(path.join(d.dataRoot, 'volumes', 'data1', '_data'));
    expect(fs.statSync(v.Mountpoint).isDirectory()).toBe(true);
    expect(v.Labels).toEqual({ team: 'berth' });
    expect((await docker(d.host, ['volume', 'rm', 'data1'])).code).toBe(0);
    expect(fs.existsSync(v.Mountpoint)).toBe(false);
    const gone = await docker(d.host, ['volume', 'inspect', 'data1']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/no such volume/);
    expect((await docker(d.host, ['volume', 'rm', anon.stdout.trim()])).code).toBe(0);
  });

  it('refuses invalid names and options clearly', async () => {
    const bad = await docker(d.host, ['volume', 'create', 'no/slashes']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/includes invalid characters for a local volume name/);
    const opt = await docker(d.host, ['volume', 'create', '--opt', 'bogus=1', 'v2']);
    expect(opt.code).toBe(1);
    expect(opt.stderr).toMatch(/invalid option key: "bogus"/);
    expect((await docker(d.host, ['volume', 'ls', '-q'])).stdout.trim()).toBe('');
    const driver = await docker(d.host, ['volume', 'create', '-d', 'nfs-plugin', 'v3']);
    expect(driver.code).toBe(1);
    expect(driver.stderr).toMatch(/plugin "nfs-plugin" not found/);
  });

  it('prunes only anonymous volumes unless --all', async () => {
    await request(d.socket, 'POST', '/volumes/create', {
      Name: 'anon1',
      Labels: { 'com.docker.volume.anonymous': '' },
    });
    await docker(d.host, ['volume', 'create', 'named1']);
    const p = await docker(d.host, ['volume', 'prune', '-f']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/anon1/);
    expect(p.stdout).not.toMatch(/named1/);
    const all = await docker(d.host, ['volume', 'prune', '-f', '--all']);
    expect(all.stdout).toMatch(/named1/);
    expect((await docker(d.host, ['volume', 'ls', '-q'])).stdout.trim()).toBe('');
  });

  it('streams events and replays them with --since/--until and filters', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const events = docker(
      d.host,
      ['events', '--filter', 'type=volume', '--format', '{{.Type}} {{.Action}} {{.Actor.ID}}'],
      { timeoutMs: 4000 },
    );
    await new Promise((r) => setTimeout(r, 600));
    await docker(d.host, ['volume', 'create', 'evvol']);
    await docker(d.host, ['volume', 'rm', 'evvol']);
    const live = await events; // killed by the timeout: the stream never ends by itself
    expect(live.stdout).toMatch(/volume create evvol\nvolume destroy evvol/);
    const until = Math.ceil(Date.now() / 1000) + 1;
    const past = await docker(d.host, [
      'events',
      '--since',
      String(since),
      '--until',
      String(until),
      '--filter',
      'event=destroy',
      '--format',
      '{{.Action}} {{.Actor.ID}}',
    ]);
    expect(past.code, past.stderr).toBe(0);
    expect(past.stdout.trim().split('\n')).toContain('destroy evvol');
    expect(past.stdout).not.toMatch(/create/);
    const badFilter = await docker(d.host, [
      'events',
      '--since',
      String(since),
      '--until',
      String(until),
      '--filter',
      'colour=red',
    ]);
    expect(badFilter.code).not.toBe(0);
  });
});
