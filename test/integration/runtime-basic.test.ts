/**
 * The runtime library driven directly (no HTTP): output capture, exit codes, image config merge,
 * users, TTY in the container's own devpts, stdin, exec, logs options, stop/kill/restart, events.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRoot } from '../support/env';
import { busyboxRootfsDir, layeredRootfs } from '../support/rootfs';
import { busyboxRootfsEntries, MULTILAYER_L1, MULTILAYER_L2, PATH_ENV } from '../support/images';
import { logsOf, testRuntime, type TestRuntime } from '../support/runtime';
import type { ContainerEvent } from '../../runtime-agent/src/runtime/events';

describeRoot('runtime: lifecycle, logs, tty, exec', () => {
  let bb: ReturnType<typeof busyboxRootfsDir>;
  let t: TestRuntime;
  const events: ContainerEvent[] = [];
  const image = { Env: [PATH_ENV], Cmd: ['sh'] };

  beforeAll(async () => {
    bb = busyboxRootfsDir();
    t = await testRuntime({ dir: bb.rootfs });
    t.rt.on('event', (e) => events.push(e));
  });
  afterAll(async () => {
    await t?.cleanup();
    bb?.cleanup();
  });

  it('captures echo hi in the logs and reports exit 7', async () => {
    const r = await t.run({ imageConfig: image, cmd: ['sh', '-c', 'echo hi; echo oops >&2; exit 7'] });
    expect(r.stdout).toBe('hi\n');
    expect(r.stderr).toBe('oops\n');
    expect(r.exitCode).toBe(7);
    const st = t.rt.inspect(r.id).state;
    expect(st.status).toBe('exited');
    expect(st.exitCode).toBe(7);
    expect(Date.parse(st.finishedAt)).toBeGreaterThanOrEqual(Date.parse(st.startedAt));
    const actions = events.filter((e) => e.id === r.id).map((e) => e.action);
    expect(actions).toEqual(['create', 'start', 'die']);
    expect(events.find((e) => e.id === r.id && e.action === 'die')?.attributes.exitCode).toBe('7');
  });

  it('merges the image config with the options (entrypoint, cmd, env, workdir, HOME, HOSTNAME)', async () => {
    const r = await t.run({
      imageConfig: {
        Env: [PATH_ENV, 'A=image', 'B=image'],
        Entrypoint: ['sh', '-c'],
        Cmd: ['exit 3'],
        WorkingDir: '/tmp',
      },
      cmd: ['echo "$A $B $HOME $HOSTNAME"; pwd'],
      env: ['B=user'],
      hostname: 'box1',
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('image user /root box1\n/tmp\n');
  });

  it('waits for a start in progress when killed or removed meanwhile; one start at a time', async () => {
    const sleeper = () =>
      t.rt.create({ networkMode: 'none', rootfs: { dir: bb.rootfs }, imageConfig: image, cmd: ['sleep', '60'] });
    const a = await sleeper();
    const started = t.rt.start(a.id);
    // Issued before the start is over: the kill is for the process being started.
    await t.rt.kill(a.id, 9);
    await started;
    expect(await t.rt.wait(a.id)).toBe(137);
    const b = await sleeper();
    const startedB = t.rt.start(b.id);
    await t.rt.remove(b.id, { force: true });
    await startedB;
    expect(t.rt.list(true).map((c) => c.id)).not.toContain(b.id);
    // Two starts at once: one runs the container, the other is told it already started.
    const c = await sleeper();
    const both = await Promise.allSettled([t.rt.start(c.id), t.rt.start(c.id)]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(String((both.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(
      /already started/,
    );
    await t.rt.remove(c.id, { force: true });
    // A wait for the next exit of a container removed before it ever ran is answered.
    const d = await t.rt.create({ networkMode: 'none', rootfs: { dir: bb.rootfs }, imageConfig: image, cmd: ['true'] });
    const waiting = t.rt.wait(d.id, 'next-exit');
    await t.rt.remove(d.id);
    await expect(waiting).resolves.toBe(0);
  });

  it('creates a missing working directory', async () => {
    const r = await t.run({ imageConfig: image, cmd: ['pwd'], workingDir: '/new/dir' });
    expect(r.stdout).toBe('/new/dir\n');
  });

  it('applies --user 1000:1000 and resolves names with supplementary groups', async () => {
    const numeric = await t.run({ imageConfig: image, cmd: ['sh', '-c', 'id -u; id -g; id -G'], user: '1000:1000' });
    expect(numeric.stdout).toBe('1000\n1000\n1000\n');
    const named = await t.run({
      imageConfig: image,
      cmd: ['sh', '-c', 'id -u; id -g; id -G; echo $HOME'],
      user: 'berth',
    });
    expect(named.stdout).toBe('1000\n1000\n1000 50\n/home/berth\n');
  });

  it('mounts an overlay of layers with whiteouts and keeps writes in the container', async () => {
    const layers = layeredRootfs([busyboxRootfsEntries(), MULTILAYER_L1, MULTILAYER_L2]);
    try {
      const r = await t.run({
        rootfs: { lowerDirs: layers.lowerDirs },
        imageConfig: image,
        cmd: [
          'sh',
          '-c',
          'ls /data | sort | tr "\\n" " "; echo; ls /data/dir; cat /data/link; echo x > /data/keep.txt',
        ],
      });
      expect(r.stdout).toBe('dir hard.txt keep.txt link owned.txt \nnew.txt\nkeep\n');
      expect(r.exitCode).toBe(0);
    } finally {
      layers.cleanup();
    }
  });

  it('mounts 200 layers (past the 4096-byte option limit of absolute paths)', async () => {
    const extra = Array.from({ length: 199 }, (_, i) => [{ name: `layers/l${i}`, content: `${i}\n` }]);
    const layers = layeredRootfs([busyboxRootfsEntries(), ...extra]);
    try {
      expect(layers.lowerDirs.join(':').length).toBeGreaterThan(4096);
      const r = await t.run({
        rootfs: { lowerDirs: layers.lowerDirs },
        imageConfig: image,
        cmd: ['sh', '-c', 'ls /layers | wc -l; cat /layers/l198'],
      });
      expect(r.stdout).toBe('199\n198\n');
    } finally {
      layers.cleanup();
    }
  });

  it('resizes the TTY of a running container', async () => {
    const c = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      cmd: ['sh', '-c', 'stty size; read x; stty size'],
      tty: true,
      openStdin: true,
      networkMode: 'none',
    });
    let out = '';
    const a = t.rt.attach(c.id, { stdin: true, stdout: true }, (_s, d) => (out += d.toString()));
    await t.rt.start(c.id, { ttySize: { rows: 30, cols: 90 } });
    for (let i = 0; i < 100 && !out.includes('30 90'); i++) await new Promise((r) => setTimeout(r, 20));
    t.rt.resize(c.id, 40, 100);
    a.write(Buffer.from('\n'));
    expect(await t.rt.wait(c.id)).toBe(0);
    a.detach();
    expect(out.replace(/\r/g, '')).toBe('30 90\n\n40 100\n');
  });

  it('gives a TTY container /dev/pts/0 of its own devpts, with the requested size', async () => {
    const c = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      cmd: ['sh', '-c', 'tty; stty size; ls -1 /dev/pts'],
      tty: true,
      networkMode: 'none',
    });
    await t.rt.start(c.id, { ttySize: { rows: 30, cols: 90 } });
    expect(await t.rt.wait(c.id)).toBe(0);
    const out = (await logsOf(t.rt, c.id)).stdout.replace(/\r/g, '');
    expect(out).toBe('/dev/pts/0\n30 90\n0\nptmx\n');
  });

  it('feeds stdin written before start and ends it on closeStdin', async () => {
    const c = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      cmd: ['sh', '-c', 'cat; echo done'],
      openStdin: true,
      stdinOnce: true,
      networkMode: 'none',
    });
    const chunks: string[] = [];
    const a = t.rt.attach(c.id, { stdin: true, stdout: true, stderr: true }, (_s, d) => chunks.push(d.toString()));
    a.write(Buffer.from('before start\n'));
    await t.rt.start(c.id);
    a.write(Buffer.from('after start\n'));
    await new Promise((r) => setTimeout(r, 200));
    a.closeStdin();
    expect(await t.rt.wait(c.id)).toBe(0);
    a.detach();
    expect((await logsOf(t.rt, c.id)).stdout).toBe('before start\nafter start\ndone\n');
    expect(chunks.join('')).toBe('before start\nafter start\ndone\n');
  });

  it('runs exec in the container with its caps, user and exit code, with and without a TTY', async () => {
    const c = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      cmd: ['sleep', '1000'],
      networkMode: 'none',
      securityOpt: ['no-new-privileges'],
    });
    await t.rt.start(c.id);
    try {
      const run = async (cmd: string[], o: { user?: string; tty?: boolean; env?: string[] } = {}) => {
        const info = t.rt.exec.create(c.id, { cmd, ...o });
        let out = '';
        const s = await t.rt.exec.start(info.id, (_st, d) => (out += d.toString()), {
          ttySize: { rows: 10, cols: 40 },
        });
        const code = await s.exited;
        return { code, out: out.replace(/\r/g, ''), info: t.rt.exec.inspect(info.id) };
      };
      const a = await run(
        [
          'sh',
          '-c',
          'echo $$ $FOO; grep -E "CapEff|NoNewPrivs" /proc/self/status; ps -o pid,args | grep -c sleep; exit 5',
        ],
        {
          env: ['FOO=bar'],
        },
      );
      expect(a.code).toBe(5);
      expect(a.info.exitCode).toBe(5);
      const lines = a.out.trim().split('\n');
      expect(Number(lines[0]!.split(' ')[0])).toBeGreaterThan(1);
      expect(lines[0]!.split(' ')[1]).toBe('bar');
      expect(a.out).toContain('CapEff:\t00000000a80425fb');
      expect(a.out).toContain('NoNewPrivs:\t1');
      const u = await run(['id', '-u'], { user: '1000' });
      expect(u.out).toBe('1000\n');
      const tt = await run(['sh', '-c', 'tty; stty size'], { tty: true });
      expect(tt.out).toMatch(/^\/dev\/pts\/\d+\n10 40\n$/);
      const rs = t.rt.exec.create(c.id, { cmd: ['sh', '-c', 'read x; stty size'], tty: true });
      let rsOut = '';
      const session = await t.rt.exec.start(rs.id, (_st, d) => (rsOut += d.toString()));
      t.rt.exec.resize(rs.id, 33, 77);
      session.write(Buffer.from('\n'));
      expect(await session.exited).toBe(0);
      expect(rsOut.replace(/\r/g, '')).toBe('\n33 77\n');
      await expect(run(['nosuchcommand'])).rejects.toThrow(/executable file not found/);
      // Detached: no streams; the process runs and its exit code is recorded.
      const d = t.rt.exec.create(c.id, { cmd: ['sh', '-c', 'echo lost; touch /tmp/detached; exit 3'] });
      const ds = await t.rt.exec.start(d.id, () => undefined, { detach: true });
      expect(await ds.exited).toBe(3);
      expect((await run(['ls', '/tmp/detached'])).out).toBe('/tmp/detached\n');
      const actions = events.filter((e) => e.id === c.id).map((e) => e.action);
      expect(actions).toContain('exec_create');
      expect(actions).toContain('exec_start');
      expect(actions).toContain('exec_die');
    } finally {
      await t.rt.remove(c.id, { force: true });
    }
  });

  it('removes an auto-remove container once it exited (docker run --rm)', async () => {
    const c = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      cmd: ['sh', '-c', 'exit 4'],
      autoRemove: true,
      networkMode: 'none',
    });
    const removed = t.rt.wait(c.id, 'removed');
    await t.rt.start(c.id);
    expect(await removed).toBe(4);
    expect(() => t.rt.inspect(c.id)).toThrow(/No such container/);
    expect(events.filter((e) => e.id === c.id).map((e) => e.action)).toEqual(['create', 'start', 'die', 'destroy']);
  });

  it('stops with the stop signal, then SIGKILL after the timeout; kill sends any signal; restart runs again', async () => {
    const c = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      cmd: [
        'sh',
        '-c',
        'trap "echo got-usr1" USR1; trap "echo got-term; exit 3" TERM; echo up; while :; do sleep 0.1; done',
      ],
      networkMode: 'none',
    });
    await t.rt.start(c.id);
    await waitForLog(t, c.id, 'up\n');
    await t.rt.kill(c.id, 10);
    await waitForLog(t, c.id, 'got-usr1\n');
    await t.rt.stop(c.id, 5);
    expect(t.rt.inspect(c.id).state.exitCode).toBe(3);
    // PID 1 without a handler ignores SIGTERM: stop falls back to SIGKILL.
    const d = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      cmd: ['sleep', '1000'],
      networkMode: 'none',
    });
    await t.rt.start(d.id);
    await t.rt.stop(d.id, 1);
    expect(t.rt.inspect(d.id).state.exitCode).toBe(137);
    await t.rt.restart(d.id, 0);
    expect(t.rt.inspect(d.id).state.status).toBe('running');
    expect(t.rt.inspect(d.id).restartCount).toBe(1);
    await t.rt.remove(d.id, { force: true });
    expect(() => t.rt.inspect(d.id)).toThrow(/No such container/);
  });

  it('reads logs with tail, since/until and follow', async () => {
    const c = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      cmd: ['sh', '-c', 'for i in 1 2 3 4 5; do echo line$i; done; sleep 1; echo late; sleep 0.3'],
      networkMode: 'none',
    });
    await t.rt.start(c.id);
    await waitForLog(t, c.id, 'line5\n');
    const mid = Date.now() / 1000;
    const followed: string[] = [];
    for await (const e of t.rt.logs(c.id, { follow: true, tail: 2 })) followed.push(e.log);
    expect(followed).toEqual(['line4\n', 'line5\n', 'late\n']);
    const tail1: string[] = [];
    for await (const e of t.rt.logs(c.id, { tail: 1 })) tail1.push(e.log);
    expect(tail1).toEqual(['late\n']);
    const since: string[] = [];
    for await (const e of t.rt.logs(c.id, { since: mid })) since.push(e.log);
    expect(since).toEqual(['late\n']);
    const until: string[] = [];
    for await (const e of t.rt.logs(c.id, { until: mid })) until.push(e.log);
    expect(until).toHaveLength(5);
  });
});

async function waitForLog(t: TestRuntime, id: string, text: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await logsOf(t.rt, id)).stdout.includes(text)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`log of ${id} never contained ${JSON.stringify(text)}`);
}
