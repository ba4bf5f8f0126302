/**
 * Containers outlive their agent: a real agent process is killed with SIGKILL (and another one
 * stopped with SIGTERM) while containers run; a new agent on the same state re-adopts them — logs
 * without gaps or duplicates, the TTY and stdin still connected, stop and remove working — and
 * learns the real exit code of one that ended meanwhile. Then 50 create/start/remove cycles
 * leave nothing behind.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRoot } from '../support/env';
import { busyboxRootfsDir } from '../support/rootfs';
import { PATH_ENV } from '../support/images';
import { logsOf, testRuntime, type TestRuntime } from '../support/runtime';
import { startAgentProcess } from '../support/runtime-agent';
import { hostTraces } from '../support/host-traces';
import { processStartTime } from '../../runtime-agent/src/runtime/proc';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, fn: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describeRoot('runtime: agent restart and clean-up', () => {
  let bb: ReturnType<typeof busyboxRootfsDir>;
  let dir: string;
  let t: TestRuntime | undefined;
  const cgroupParent = `berth-test-${crypto.randomBytes(4).toString('hex')}`;
  const image = { Env: [PATH_ENV], Cmd: ['sh'] };

  beforeAll(() => {
    bb = busyboxRootfsDir();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-rt-'));
  });
  afterAll(async () => {
    await t?.cleanup();
    bb?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps containers running through agent kill -9 and re-adopts them', async () => {
    const dataRoot = path.join(dir, 'data');
    const execRoot = path.join(dir, 'exec');
    const agent = await startAgentProcess(dataRoot, execRoot, cgroupParent);
    const base = { rootfs: { dir: bb.rootfs }, imageConfig: image, networkMode: 'none' };
    const ticker = await agent.run({
      ...base,
      name: 'ticker',
      cmd: ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.05; done'],
    });
    const tty = await agent.run({
      ...base,
      name: 'tty',
      cmd: ['sh', '-c', 'while read l; do echo "got:$l"; done'],
      tty: true,
      openStdin: true,
    });
    const cat = await agent.run(
      { ...base, name: 'cat', cmd: ['sh', '-c', 'cat; echo cat-done'], openStdin: true },
      'early\n',
    );
    const quitter = await agent.run({ ...base, name: 'quitter', cmd: ['sh', '-c', 'sleep 1; echo bye; exit 42'] });
    await agent.kill9();
    const deadAt = Date.now();
    // The quitter ends while no agent is there; the others keep running (and writing).
    await until('the quitter to exit', () => processStartTime(quitter.pid) === 0);
    await sleep(500);
    for (const c of [ticker, tty, cat]) expect(processStartTime(c.pid)).toBeGreaterThan(0);

    t = await testRuntime({ dir: bb.rootfs }, { cgroupParent }, dir);
    const rt = t.rt;
    const byName = Object.fromEntries(rt.list(true).map((c) => [c.name, c]));
    expect(Object.keys(byName).sort()).toEqual(['cat', 'quitter', 'ticker', 'tty']);
    expect(byName.ticker!.state.status).toBe('running');
    expect(byName.tty!.state.status).toBe('running');
    expect(byName.quitter!.state.status).toBe('exited');
    expect(byName.quitter!.state.exitCode).toBe(42);
    expect(Date.parse(byName.quitter!.state.finishedAt)).toBeLessThan(Date.now() - 200);
    expect(Date.parse(byName.quitter!.state.finishedAt)).toBeGreaterThan(deadAt - 2000);
    expect((await logsOf(rt, quitter.id)).stdout).toBe('bye\n');

    // Output written while no agent was there is in the log, once, in order.
    await sleep(300);
    const ticks = (await logsOf(rt, ticker.id)).stdout.trim().split('\n');
    expect(ticks.length).toBeGreaterThan(10);
    ticks.forEach((l, i) => expect(l).toBe(`tick ${i + 1}`));

    // The pty master came back from the shim: input reaches the container, output comes back.
    const ttyOut: string[] = [];
    const a = rt.attach(tty.id, { stdin: true, stdout: true }, (_s, d) => ttyOut.push(d.toString()));
    a.write(Buffer.from('hello\n'));
    await until('tty echo', () => ttyOut.join('').includes('got:hello'));
    a.detach();

    // The stdin pipe survived too (the shim held its write end).
    const s = rt.attach(cat.id, { stdin: true }, () => undefined);
    s.write(Buffer.from('late\n'));
    await sleep(100);
    s.closeStdin();
    expect(await rt.wait(cat.id)).toBe(0);
    expect((await logsOf(rt, cat.id)).stdout).toBe('early\nlate\ncat-done\n');

    await rt.stop(ticker.id, 1);
    expect(rt.inspect(ticker.id).state.exitCode).toBe(137);
    for (const c of rt.list(true)) await rt.remove(c.id, { force: true });
    expect(rt.list(true)).toEqual([]);
    expect(hostTraces(cgroupParent, { dataRoot })).toMatchObject({ cgroups: [], processes: [], containerDirs: [] });
    await t.cleanup();
    t = undefined;
  });

  it('leaves containers running when the agent gets SIGTERM', async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-rt-'));
    const agent = await startAgentProcess(path.join(d, 'data'), path.join(d, 'exec'), cgroupParent);
    const c = await agent.run({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      networkMode: 'none',
      cmd: ['sleep', '1000'],
    });
    expect(await agent.term()).toBe(0);
    await sleep(200);
    expect(processStartTime(c.pid)).toBeGreaterThan(0);
    t = await testRuntime({ dir: bb.rootfs }, { cgroupParent }, d);
    expect(t.rt.inspect(c.id).state.status).toBe('running');
    await t.rt.remove(c.id, { force: true });
    expect(processStartTime(c.pid)).toBe(0);
    await t.cleanup();
    t = undefined;
  });

  it('finishes what an agent killed mid-create or mid-remove left: records, directories, cgroups', async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-rt-'));
    const first = await testRuntime({ dir: bb.rootfs }, { cgroupParent }, d);
    const dataRoot = path.join(d, 'data');
    const kept = await first.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      networkMode: 'none',
      cmd: ['true'],
    });
    const removing = await first.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      networkMode: 'none',
      cmd: ['sleep', '100'],
    });
    await first.rt.start(removing.id);
    const pid = first.rt.inspect(removing.id).state.pid;
    await first.rt.close();
    // As if the agent died during remove (record says "removing", process and cgroup still there) …
    const recFile = path.join(dataRoot, 'containers', removing.id, 'container.json');
    const rec = JSON.parse(fs.readFileSync(recFile, 'utf8')) as { state: { status: string } };
    rec.state.status = 'removing';
    fs.writeFileSync(recFile, JSON.stringify(rec));
    // … during create (a directory without a record) …
    const halfId = crypto.randomBytes(32).toString('hex');
    fs.mkdirSync(path.join(dataRoot, 'containers', halfId, 'io'), { recursive: true });
    // … or after removing the record but before its cgroup.
    const strayId = crypto.randomBytes(32).toString('hex');
    const stray = first.rt.cgroups.create(strayId, {});
    expect(stray.procsFiles.length).toBeGreaterThan(0);
    t = await testRuntime({ dir: bb.rootfs }, { cgroupParent }, d);
    expect(t.rt.list(true).map((c) => c.id)).toEqual([kept.id]);
    expect(processStartTime(pid)).toBe(0);
    expect(hostTraces(cgroupParent, { dataRoot })).toMatchObject({
      cgroups: [],
      processes: [],
      containerDirs: [kept.id],
    });
    await t.cleanup();
    t = undefined;
  });

  it('leaves no mounts, cgroups, processes or files after 50 create/start/remove cycles', async () => {
    t = await testRuntime({ dir: bb.rootfs }, { cgroupParent });
    const dataRoot = path.join(t.dir, 'data');
    const before = hostTraces(cgroupParent, { dataRoot });
    const fdsBefore = fs.readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 50; i++) {
      const c = await t.rt.create({
        rootfs: { dir: bb.rootfs },
        imageConfig: image,
        networkMode: 'none',
        cmd: i % 2 ? ['true'] : ['sleep', '100'],
        tty: i % 5 === 0,
        openStdin: i % 3 === 0,
      });
      await t.rt.start(c.id);
      await t.rt.remove(c.id, { force: true });
    }
    expect(hostTraces(cgroupParent, { dataRoot })).toEqual(before);
    expect(t.rt.list(true)).toEqual([]);
    expect(fs.readdirSync('/proc/self/fd').length).toBeLessThanOrEqual(fdsBefore + 2);
    expect(t.errors).toEqual([]);
  });
});
