/**
 * The local engine supervisor (issue 11) against the real berthd: reuse of a running engine, a
 * fresh start with a socket the user can reach, finding its engine again after an app restart,
 * noticing a death and restarting through the contract, and the fault cases this machine can
 * produce — each a clear state with what to do, never a hang.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { EngineState } from '../../electron/src/contract/models/engine';
import { startFakeEngine } from '../../electron/src/services/testing/fake-engine';
import { createHarness } from '../../electron/src/services/testing/harness';
import type { HostEnv } from '../../electron/src/services/supervisor/host-env';
import { EngineSupervisor, type SupervisorOptions } from '../../electron/src/services/supervisor/supervisor';
import { request, startBerthd, type BerthdHandle } from '../support/berthd';
import { berthdPids, stopBerthds, writeFakeSudo } from '../support/engine-process';
import { berthdBin, describeRoot, repoRoot } from '../support/env';

const BUNDLED = fs.readFileSync(path.join(path.dirname(berthdBin), 'VERSION'), 'utf8').trim();

let dir: string;
const cleanups: Array<() => Promise<void> | void> = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sup-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await stopBerthds(dir);
  fs.rmSync(dir, { recursive: true, force: true });
});

function options(over: Partial<SupervisorOptions> = {}): SupervisorOptions {
  return {
    socketPath: path.join(dir, 'berth.sock'),
    dataRoot: path.join(dir, 'data'),
    execRoot: path.join(dir, 'exec'),
    group: '0',
    stateDir: path.join(dir, 'state'),
    engine: { command: process.execPath, args: [berthdBin] },
    bundledVersion: BUNDLED,
    startTimeoutMs: 20_000,
    ...over,
  };
}

function supervisor(over: Partial<SupervisorOptions> = {}): EngineSupervisor {
  const s = new EngineSupervisor(options(over));
  cleanups.push(() => s.dispose());
  return s;
}

/** An unprivileged desktop user's view of this machine. */
function userEnv(over: Partial<HostEnv> = {}): HostEnv {
  return {
    platform: 'linux',
    uid: 1000,
    gid: 1000,
    which: () => undefined,
    systemdRunning: () => false,
    unitInstalled: () => false,
    graphical: () => false,
    ...over,
  };
}

async function pingOk(socket: string): Promise<boolean> {
  try {
    return (await request(socket, 'GET', '/_ping')).status === 200;
  } catch {
    return false;
  }
}

describeRoot('engine supervisor', () => {
  it('reuses a berthd that already runs and leaves it alone', async () => {
    const d: BerthdHandle = await startBerthd();
    cleanups.push(async () => {
      await d.stop();
      d.cleanup();
    });
    const s = supervisor({ socketPath: d.socket });
    const st = await s.ensureRunning();
    expect(st).toMatchObject({
      status: 'running',
      origin: 'external',
      version: BUNDLED,
      canStop: false,
      socketPath: d.socket,
    });
    expect(st.pid).toBeUndefined();
    expect(berthdPids(dir)).toEqual([]); // nothing started
    await expect(s.stop()).rejects.toMatchObject({ code: 'FailedPrecondition' });
    s.dispose();
    expect(await pingOk(d.socket)).toBe(true);
  });

  it('starts the bundled berthd with a socket for its group only; the next app start finds it again', async () => {
    const group = `berthtest${Math.random().toString(36).slice(2, 8)}`;
    cleanups.push(() => void execFileSync('groupdel', [group], { stdio: 'ignore' }));
    const s1 = supervisor({ group });
    const states: string[] = [];
    s1.onState((x) => states.push(x.status));
    const st = await s1.ensureRunning();
    expect(st).toMatchObject({
      status: 'running',
      origin: 'started',
      method: 'direct',
      version: BUNDLED,
      canStop: true,
    });
    expect(states).toEqual(['probing', 'starting', 'running']);
    expect(berthdPids(dir)).toEqual([st.pid]);
    const sock = fs.statSync(path.join(dir, 'berth.sock'));
    const gid = Number(execFileSync('getent', ['group', group]).toString().split(':')[2]);
    expect(sock.gid).toBe(gid); // the group was created
    expect(sock.mode & 0o777).toBe(0o660); // never world-writable
    s1.dispose(); // the app exits: the engine stays
    expect(await pingOk(path.join(dir, 'berth.sock'))).toBe(true);
    const s2 = supervisor({ group });
    const again = await s2.ensureRunning();
    expect(again).toMatchObject({ status: 'running', origin: 'started', pid: st.pid, canStop: true });
    const stopped = await s2.stop();
    expect(stopped).toMatchObject({ status: 'stopped', reason: 'stopped from Berth', canStart: true });
    expect(berthdPids(dir)).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'berth.sock'))).toBe(false);
  });

  it('notices when berthd dies, shows it, and restarts it through the contract', async () => {
    const h = createHarness({ supervisor: options() });
    cleanups.push(() => h.dispose());
    await h.app.start();
    await h.client.waitEvent('hosts:state', (s) => s.id === 'local' && s.state.status === 'connected');
    const first = await h.client.ok('engine:state', {});
    expect(first).toMatchObject({ status: 'running', origin: 'started' });
    const mark = h.client.frames.length;
    process.kill(first.pid!, 'SIGKILL');
    const down = await h.client.waitEvent('engine:state', (s) => s.status === 'stopped', 10_000, mark);
    expect(down).toMatchObject({ code: 'Exited', canStart: true, canStop: false });
    expect(down.reason).toMatch(/stopped unexpectedly/);
    expect(down.logTail?.join('\n')).toMatch(/daemon ready/);
    const host = await h.client.waitEvent(
      'hosts:state',
      (s) => s.id === 'local' && s.state.status === 'disconnected',
      10_000,
      mark,
    );
    expect(host.state).toMatchObject({ reason: expect.stringMatching(/stopped unexpectedly/) as string });
    const back = await h.client.ok('engine:restart', {});
    expect(back).toMatchObject({ status: 'running', origin: 'started' });
    expect(back.pid).not.toBe(first.pid);
    await h.client.waitEvent('hosts:state', (s) => s.id === 'local' && s.state.status === 'connected', 10_000, mark);
    const info = await h.client.ok('hosts:info', { hostId: 'local' });
    expect(info.engine.flavour).toBe('berth');
    expect(info.ncpu).toBe(os.availableParallelism());
  });

  it('two app instances starting at once start one engine', async () => {
    const [a, b] = [supervisor(), supervisor()];
    const [sa, sb] = await Promise.all([a.ensureRunning(), b.ensureRunning()]);
    expect([sa.status, sb.status]).toEqual(['running', 'running']);
    expect(berthdPids(dir)).toHaveLength(1);
    expect(sa.pid ?? sb.pid).toBe(berthdPids(dir)[0]);
  });

  it('refuses a socket path held by a file, a silent listener or another engine', async () => {
    fs.writeFileSync(path.join(dir, 'berth.sock'), 'not a socket');
    const file = await supervisor().ensureRunning();
    expect(file).toMatchObject({
      status: 'failed',
      code: 'SocketInUse',
      reason: expect.stringMatching(/is not a socket/) as string,
    });
    expect(file.hint).toMatch(/another socket/);
    fs.rmSync(path.join(dir, 'berth.sock'));

    // Accepts connections and never answers (nor reads): not an engine.
    const held = new Set<net.Socket>();
    const silent = net.createServer((c) => void held.add(c));
    await new Promise<void>((r) => silent.listen(path.join(dir, 'berth.sock'), r));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          held.forEach((c) => c.destroy());
          silent.close(() => r());
        }),
    );
    const t0 = Date.now();
    const quiet = await supervisor().ensureRunning();
    expect(quiet).toMatchObject({
      status: 'failed',
      code: 'SocketInUse',
      reason: expect.stringMatching(/not a container engine/) as string,
    });
    expect(Date.now() - t0).toBeLessThan(10_000);

    const docker = await startFakeEngine({ socketPath: path.join(dir, 'docker.sock') });
    cleanups.push(() => docker.close());
    const other = await supervisor({ socketPath: docker.socketPath }).ensureRunning();
    expect(other).toMatchObject({ status: 'failed', code: 'SocketNotBerth' });
    expect(other.reason).toMatch(/Docker Engine - Community 27\.0\.0 already serves/);
    expect(other.hint).toMatch(/as a host/);
    expect(berthdPids(dir)).toEqual([]);
  });

  it('runs with a warning next to a berthd of another version', async () => {
    const old = await startFakeEngine({
      socketPath: path.join(dir, 'old.sock'),
      identity: { platform: 'Berth Engine 0.0.1', version: '0.0.1' },
    });
    cleanups.push(() => old.close());
    const st = await supervisor({ socketPath: old.socketPath }).ensureRunning();
    expect(st).toMatchObject({ status: 'running', origin: 'external', version: '0.0.1' });
    expect(st.warning).toMatch(
      new RegExp(`berthd 0\\.0\\.1 is running; this app bundles ${BUNDLED.replace(/\./g, '\\.')}`),
    );
  });

  it('explains a data root on a read-only disk', async () => {
    const ro = path.join(dir, 'ro');
    fs.mkdirSync(ro);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]);
    cleanups.push(() => void execFileSync('umount', [ro]));
    const st = await supervisor({ dataRoot: path.join(ro, 'data') }).ensureRunning();
    expect(st).toMatchObject({ status: 'failed', code: 'ReadOnlyDataRoot' });
    expect(st.reason).toContain(path.join(ro, 'data'));
    expect(st.hint).toMatch(/writable disk/);
    expect(berthdPids(dir)).toEqual([]); // refused before starting anything
  });

  it('explains a data root already used by a berthd on another socket', async () => {
    const d = await startBerthd();
    cleanups.push(async () => {
      await d.stop();
      d.cleanup();
    });
    const st = await supervisor({ dataRoot: d.dataRoot }).ensureRunning();
    expect(st).toMatchObject({ status: 'failed', code: 'DataRootLocked' });
    expect(st.reason).toContain(`pid ${d.pid}`);
    expect(st.hint).toMatch(/set its socket/);
  });

  it('says what to do when neither pkexec nor sudo is there, without waiting', async () => {
    const t0 = Date.now();
    const st = await supervisor({ env: userEnv() }).ensureRunning();
    expect(st).toMatchObject({ status: 'failed', code: 'NoPrivilege', canStart: true });
    expect(st.hint).toMatch(/\.deb/);
    expect(Date.now() - t0).toBeLessThan(5000);
    const gone = await supervisor({
      engine: { command: process.execPath, args: ['/nonexistent/berthd.cjs'] },
    }).ensureRunning();
    expect(gone).toMatchObject({ status: 'failed', code: 'BinaryMissing' });
  });

  it('asks for the sudo password again when it is wrong, then gives up with a clear message', async () => {
    const sudo = writeFakeSudo(dir, 'right horse');
    const asked: Array<string | undefined> = [];
    const st = await supervisor({
      env: userEnv({ which: (c) => (c === 'sudo' ? sudo : undefined) }),
      askPassword: async (q) => {
        asked.push(q.retryReason);
        return 'wrong';
      },
    }).ensureRunning();
    expect(asked).toEqual([undefined, 'sudo did not accept the password', 'sudo did not accept the password']);
    expect(st).toMatchObject({ status: 'failed', code: 'WrongPassword' });
    expect(berthdPids(dir)).toEqual([]);
    const cancelled = await supervisor({
      env: userEnv({ which: (c) => (c === 'sudo' ? sudo : undefined) }),
      askPassword: async () => undefined,
    }).ensureRunning();
    expect(cancelled).toMatchObject({ status: 'failed', code: 'PasswordCancelled' });
  });

  it("starts and stops through sudo with the right password; the socket belongs to the user's group", async () => {
    const sudo = writeFakeSudo(dir, 'right horse');
    let asks = 0;
    const s = supervisor({
      env: userEnv({ which: (c) => (c === 'sudo' ? sudo : undefined) }),
      askPassword: async () => (asks++, 'right horse'),
    });
    const st: EngineState = await s.ensureRunning();
    expect(st).toMatchObject({ status: 'running', origin: 'started', method: 'sudo' });
    expect(fs.statSync(path.join(dir, 'berth.sock')).gid).toBe(1000);
    const stopped = await s.stop();
    expect(stopped.status).toBe('stopped');
    expect(asks).toBe(2);
    expect(berthdPids(dir)).toEqual([]);
  });

  it("runs an AppImage's engine from a root-owned copy that outlives the AppImage mount", async () => {
    const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
    const res = path.join(dir, 'mnt', 'resources');
    fs.mkdirSync(path.join(res, 'bin'), { recursive: true });
    fs.mkdirSync(path.join(res, 'agent-bundle', `linux-${arch}`), { recursive: true });
    fs.cpSync(path.dirname(berthdBin), path.join(res, 'agent'), { recursive: true });
    fs.copyFileSync(path.join(repoRoot, 'build', 'linux', 'berthd'), path.join(res, 'bin', 'berthd'));
    fs.chmodSync(path.join(res, 'bin', 'berthd'), 0o755);
    fs.symlinkSync(process.execPath, path.join(res, 'agent-bundle', `linux-${arch}`, 'node'));
    for (const via of ['direct', 'sudo'] as const) {
      const to = path.join(dir, 'opt', via);
      const sudo = writeFakeSudo(dir, 'pw');
      const s = supervisor({
        socketPath: path.join(dir, `${via}.sock`),
        dataRoot: path.join(dir, `data-${via}`),
        engine: {
          command: path.join(to, 'bin', 'berthd'),
          args: [],
          stage: { from: res, to, items: ['agent', 'agent-bundle', 'bin'] },
        },
        ...(via === 'sudo'
          ? { env: userEnv({ which: (c) => (c === 'sudo' ? sudo : undefined) }), askPassword: async () => 'pw' }
          : {}),
      });
      const st = await s.ensureRunning();
      expect(st, JSON.stringify(st)).toMatchObject({ status: 'running', origin: 'started', method: via });
      expect(fs.existsSync(path.join(to, '.complete'))).toBe(true);
      const cmd = fs.readFileSync(`/proc/${berthdPids(`${via}.sock`)[0]}/cmdline`, 'utf8');
      expect(cmd).toContain(path.join(to, 'agent', 'berthd.cjs'));
    }
    fs.rmSync(path.join(dir, 'mnt'), { recursive: true }); // the AppImage exits: its mount goes
    expect(await pingOk(path.join(dir, 'direct.sock'))).toBe(true);
    expect(await pingOk(path.join(dir, 'sudo.sock'))).toBe(true);
  });
});
