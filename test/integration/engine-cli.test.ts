/**
 * The Engine API through the real docker CLI (issue 5): every command a user runs day to day,
 * against berthd, with the fixture registry on loopback.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { describeIf } from '../support/env';
import { startBerthd, type BerthdHandle } from '../support/berthd';
import { docker } from '../support/docker-cli';
import { runInPty } from '../support/pty-run';
import { skopeoInspect } from '../support/skopeo';

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describeIf('Engine API with the docker CLI', { root: true, commands: ['docker-registry', 'skopeo', 'script'] }, () => {
  let d: BerthdHandle;
  let run: (args: string[], input?: string) => ReturnType<typeof docker>;
  let img: string;
  let regHost: string;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-'));

  beforeAll(async () => {
    const reg = inject('fixtureRegistry')!;
    regHost = reg.host;
    img = reg.images.busybox;
    d = await startBerthd({ args: ['--insecure-registry', reg.host] });
    run = (args, input) => docker(d.host, args, input === undefined ? {} : { input });
  });
  afterAll(async () => {
    if (d) {
      await run(['rm', '-f', ...(await run(['ps', '-aq'])).stdout.split('\n').filter(Boolean)]).catch(() => undefined);
      await d.stop();
      d.cleanup();
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('version, info and pull from the registry with progress', async () => {
    expect((await run(['version'])).stdout).toMatch(/Server: Berth Engine/);
    const pull = await run(['pull', img]);
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stdout).toMatch(/Pull complete|Already exists/);
    expect(pull.stdout).toMatch(/Status: Downloaded newer image/);
    const images = await run(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(images.stdout).toContain(img);
    const info = await run(['info', '--format', '{{.Images}} {{.Containers}}']);
    expect(info.stdout.trim()).toBe('1 0');
  });

  it('run prints output, returns the exit code, cleans up with --rm', async () => {
    const r = await run(['run', '--rm', img, 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
    expect(r.code).toBe(7);
    expect((await run(['ps', '-aq'])).stdout.trim()).toBe('');
    const piped = await run(['run', '--rm', '-i', img, 'sh', '-c', 'tr a-z A-Z'], 'shout\n');
    expect(piped.stdout).toBe('SHOUT\n');
  });

  it('run -it gives an interactive shell on a terminal', async () => {
    const r = await runInPty(
      ['docker', '-H', d.host, 'run', '--rm', '-it', img, 'sh'],
      ['echo $((6*7))\n', 'tty\n', 'exit 3\n'],
    );
    expect(r.output).toMatch(/42/);
    expect(r.output).toMatch(/\/dev\/pts\/0/);
    expect(r.code).toBe(3);
  });

  it('run -d, ps with filters, logs -f, inspect --format, top, stats, exec', async () => {
    const started = await run([
      'run',
      '-d',
      '--name',
      'ticker',
      '--label',
      'role=test',
      img,
      'sh',
      '-c',
      'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done',
    ]);
    expect(started.code, started.stderr).toBe(0);
    const id = started.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect((await run(['ps', '--filter', 'label=role=test', '--format', '{{.Names}}'])).stdout.trim()).toBe('ticker');
    expect((await run(['ps', '--filter', 'status=exited', '--format', '{{.Names}}'])).stdout.trim()).toBe('');
    expect(
      (
        await run(['inspect', '--format', '{{.State.Status}} {{.Name}} {{.Config.Labels.role}}', 'ticker'])
      ).stdout.trim(),
    ).toBe('running /ticker test');
    const logs = await docker(d.host, ['logs', '-f', '--tail', '2', 'ticker'], { timeoutMs: 1500 });
    expect(logs.stdout.split('\n').filter((l) => l.startsWith('tick')).length).toBeGreaterThan(2);
    const top = await run(['top', 'ticker']);
    expect(top.stdout).toMatch(/PID/);
    expect(top.stdout).toMatch(/while true/);
    const stats = await run(['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}}', 'ticker']);
    expect(stats.code, stats.stderr).toBe(0);
    expect(stats.stdout).toMatch(/^ticker \d+/);
    const ex = await run(['exec', 'ticker', 'sh', '-c', 'echo in-$HOSTNAME; exit 4']);
    expect(ex.stdout.trim()).toBe(`in-${id.slice(0, 12)}`);
    expect(ex.code).toBe(4);
    const it = await runInPty(
      ['docker', '-H', d.host, 'exec', '-it', 'ticker', 'sh'],
      ['echo exec-tty-$((1+1))\n', 'exit\n'],
    );
    expect(it.output).toMatch(/exec-tty-2/);
  });

  it('stats --no-stream computes CPU % and memory against the limit from the JSON shape', async () => {
    await run(['run', '-d', '--name', 'spin', '--memory', '64m', img, 'sh', '-c', 'while :; do :; done']);
    await run(['run', '-d', '--name', 'nap', img, 'sleep', '300']);
    await new Promise((r) => setTimeout(r, 1500));
    const out = await run(['stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}}', 'spin', 'nap']);
    expect(out.code, out.stderr).toBe(0);
    const rows = Object.fromEntries(
      out.stdout
        .trim()
        .split('\n')
        .map((l) => [l.split(' ')[0], l]),
    );
    const cpu = (name: string) => Number(/ ([\d.]+)% /.exec(rows[name] ?? '')?.[1]);
    expect(cpu('spin')).toBeGreaterThan(20);
    expect(cpu('nap')).toBeLessThan(5);
    expect(rows.spin).toMatch(/ [\d.]+[KM]iB \/ 64MiB$/);
    expect(rows.nap).toMatch(/ [\d.]+[KM]iB \/ [\d.]+GiB$/);
    expect((await run(['rm', '-f', 'spin', 'nap'])).code).toBe(0);
  });

  it('pause, unpause, update, rename, restart, stop, kill, wait, rm -f', async () => {
    expect((await run(['pause', 'ticker'])).code).toBe(0);
    expect((await run(['ps', '--format', '{{.Status}}', '--filter', 'name=ticker'])).stdout).toMatch(/Paused/);
    expect((await run(['unpause', 'ticker'])).code).toBe(0);
    expect(
      (await run(['update', '--memory', '64m', '--memory-swap', '128m', '--restart', 'on-failure:3', 'ticker'])).code,
    ).toBe(0);
    expect(
      (
        await run(['inspect', '--format', '{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}', 'ticker'])
      ).stdout.trim(),
    ).toBe('67108864 on-failure');
    expect((await run(['rename', 'ticker', 'ticker2'])).code).toBe(0);
    expect((await run(['ps', '--format', '{{.Names}}'])).stdout.trim()).toBe('ticker2');
    expect((await run(['restart', '-t', '1', 'ticker2'])).code).toBe(0);
    expect((await run(['inspect', '--format', '{{.State.Running}}', 'ticker2'])).stdout.trim()).toBe('true');
    const waiting = run(['wait', 'ticker2']);
    expect((await run(['kill', 'ticker2'])).code).toBe(0);
    expect((await waiting).stdout.trim()).toBe('137');
    await run(['start', 'ticker2']);
    expect((await run(['stop', '-t', '1', 'ticker2'])).code).toBe(0);
    expect((await run(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', 'ticker2'])).stdout.trim()).toBe(
      'exited 137',
    );
    expect((await run(['start', 'ticker2'])).code).toBe(0);
    expect((await run(['rm', 'ticker2'])).code).toBe(1);
    expect((await run(['rm', '-f', 'ticker2'])).code).toBe(0);
    expect((await run(['ps', '-aq'])).stdout.trim()).toBe('');
  });

  it('publishes ports and copies files both ways', async () => {
    const r = await run([
      'run',
      '-d',
      '--name',
      'web',
      '-p',
      '127.0.0.1:0:80',
      img,
      'sh',
      '-c',
      'mkdir -p /www && echo served > /www/index.html && httpd -f -p 80 -h /www',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const port = (await run(['port', 'web', '80/tcp'])).stdout.trim().split(':').at(-1);
    let got = { status: 0, body: '' };
    for (let i = 0; i < 50 && got.status !== 200; i++) {
      got = await get(`http://127.0.0.1:${port}/`).catch(() => ({ status: 0, body: '' }));
      if (got.status !== 200) await new Promise((res) => setTimeout(res, 100));
    }
    expect(got.body).toBe('served\n');
    fs.writeFileSync(path.join(tmp, 'in.txt'), 'from the host\n');
    expect((await run(['cp', path.join(tmp, 'in.txt'), 'web:/www/'])).code).toBe(0);
    expect((await run(['exec', 'web', 'cat', '/www/in.txt'])).stdout).toBe('from the host\n');
    expect((await run(['cp', 'web:/www/index.html', path.join(tmp, 'out.html')])).code).toBe(0);
    expect(fs.readFileSync(path.join(tmp, 'out.html'), 'utf8')).toBe('served\n');
    const missing = await run(['cp', 'web:/nope', tmp]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Could not find the file \/nope in container web/);
    expect((await run(['rm', '-f', 'web'])).code).toBe(0);
  });

  it('volumes: a volume used by a container cannot be removed until the container is', async () => {
    expect((await run(['volume', 'create', 'data'])).code).toBe(0);
    expect(
      (await run(['run', '--name', 'writer', '-v', 'data:/data', img, 'sh', '-c', 'echo kept > /data/f'])).code,
    ).toBe(0);
    const rm = await run(['volume', 'rm', 'data']);
    expect(rm.code).toBe(1);
    expect(rm.stderr).toMatch(/volume is in use/);
    expect((await run(['run', '--rm', '-v', 'data:/d', img, 'cat', '/d/f'])).stdout).toBe('kept\n');
    expect((await run(['volume', 'ls', '--format', '{{.Name}}'])).stdout.trim()).toBe('data');
    expect((await run(['rm', 'writer'])).code).toBe(0);
    expect((await run(['volume', 'rm', 'data'])).code).toBe(0);
  });

  it('events stream while another command runs; system df reports usage', async () => {
    const events = docker(d.host, ['events', '--filter', 'type=container', '--format', '{{.Action}}'], {
      timeoutMs: 5000,
    });
    await new Promise((r) => setTimeout(r, 500));
    await run(['run', '--rm', img, 'true']);
    const actions = (await events).stdout.split('\n').filter(Boolean);
    expect(actions).toEqual(expect.arrayContaining(['create', 'attach', 'start', 'die', 'destroy']));
    const df = await run(['system', 'df']);
    expect(df.code, df.stderr).toBe(0);
    expect(df.stdout).toMatch(/Images\s+1\s+/);
  });

  it('commit, tag, push to the registry, save/load and rmi', async () => {
    expect((await run(['run', '--name', 'mod', img, 'sh', '-c', 'echo changed > /changed.txt'])).code).toBe(0);
    const c = await run(['commit', '-c', 'CMD ["cat", "/changed.txt"]', 'mod', 'berth-test/committed:1']);
    expect(c.code, c.stderr).toBe(0);
    expect((await run(['run', '--rm', 'berth-test/committed:1'])).stdout).toBe('changed\n');
    const target = `${regHost}/pushed/committed:cli`;
    expect((await run(['tag', 'berth-test/committed:1', target])).code).toBe(0);
    const push = await run(['push', target]);
    expect(push.code, push.stderr).toBe(0);
    const inspected = (await skopeoInspect(`docker://${target}`)) as { Layers: string[] };
    expect(inspected.Layers).toHaveLength(2);
    const tar = path.join(tmp, 'saved.tar');
    expect((await run(['save', '-o', tar, 'berth-test/committed:1'])).code).toBe(0);
    expect((await run(['rm', 'mod'])).code).toBe(0);
    expect((await run(['rmi', 'berth-test/committed:1', target])).code).toBe(0);
    expect((await run(['images', '-q', 'berth-test/committed'])).stdout.trim()).toBe('');
    const load = await run(['load', '-i', tar]);
    expect(load.stdout).toMatch(/Loaded image: berth-test\/committed:1/);
    expect((await run(['run', '--rm', 'berth-test/committed:1'])).stdout).toBe('changed\n');
  });

  it('errors come back as Docker prints them', async () => {
    const r = await run(['inspect', 'no-such-thing']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No such object: no-such-thing/);
    const stop = await run(['stop', 'nosuch']);
    expect(stop.code).toBe(1);
    expect(stop.stderr).toMatch(/No such container: nosuch/);
    const bad = await run(['run', '--rm', '--memory', '1k', img, 'true']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/Minimum memory limit allowed is 6MB/);
    const priv = await run(['run', '--rm', '--privileged', img, 'true']);
    expect(priv.code).toBe(125);
    expect(priv.stderr).toMatch(/privileged/);
    const nocmd = await run(['run', '--rm', img, 'no-such-binary']);
    expect(nocmd.code).toBe(127);
    const dup = await run(['create', '--name', 'twin', img]);
    expect(dup.code).toBe(0);
    const dup2 = await run(['create', '--name', 'twin', img]);
    expect(dup2.code).toBe(1);
    expect(dup2.stderr).toMatch(/Conflict. The container name "\/twin" is already in use/);
    await run(['rm', 'twin']);
    expect((await run(['ps', '-aq'])).stdout.trim()).toBe('');
  });
});
