/**
 * The WSL2 path, end to end to a berthd, with test/support/fake-wsl.sh standing for wsl.exe
 * (same arguments: -d <distro> -u root --exec …): the bundle is copied in through the command's
 * stdin and verified, one long-lived `berthd stdio-mux` process carries the API over SSH, a second
 * connect reuses the install and the agent with a single process, a damaged install is
 * reinstalled, a new version replaces the old, the agent dying or the process exiting is followed
 * by a reconnect, and close() leaves no process behind.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createConnection } from '../../electron/src/connections/factory';
import type { WslConnection } from '../../electron/src/connections/wsl/connection';
import type { WslConnectionConfig } from '../../electron/src/connections/types';
import { bundleVersion, testBundle, variantBundle } from '../support/agent-bundle';
import { describeRoot, repoRoot } from '../support/env';
import {
  agentPid,
  processAlive,
  recordingPrompter,
  stopAgent,
  testPlacement,
  type Placement,
} from '../support/remote-agent';
import { waitForState } from '../support/ssh-fixture';

const fakeWsl = path.join(repoRoot, 'test', 'support', 'fake-wsl.sh');

function pidsRunning(needle: string): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(needle)) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out.filter(processAlive);
}

describeRoot(
  'wsl: stdio-mux through the wsl.exe stand-in',
  () => {
    let bundleDir: string;
    let p: Placement;
    let log: string;
    const conns: WslConnection[] = [];
    const placements: Placement[] = [];

    beforeAll(async () => {
      bundleDir = await testBundle();
      p = testPlacement('berth-wsl-');
      placements.push(p);
      log = path.join(p.dir, 'wsl-invocations.log');
    });
    afterAll(async () => {
      await Promise.all(conns.map((c) => c.close()));
      for (const x of placements) {
        await stopAgent(x.socketPath);
        fs.rmSync(x.dir, { recursive: true, force: true });
      }
    });

    function connect(overrides: Partial<WslConnectionConfig> = {}, dir = bundleDir): WslConnection {
      const c = createConnection(
        `wsl-${conns.length}`,
        // `env` passes the log path through (the connection gives the command a clean environment).
        {
          kind: 'wsl',
          distro: 'Berth-Test',
          wslCommand: ['env', `BERTH_FAKE_WSL_LOG=${log}`, fakeWsl],
          agent: p,
          ...overrides,
        },
        { prompter: recordingPrompter(), bundleDir: dir },
      ) as WslConnection;
      conns.push(c);
      return c;
    }

    const invocations = (): string[] => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []);

    it('copies the bundle in, verifies it, and serves the API through one stdio-mux process', async () => {
      const c = connect();
      const engine = await c.connect();
      expect(engine).toMatchObject({ flavour: 'berth', version: bundleVersion });
      expect(c.info().transport).toBe('wsl stdio-mux');
      expect(c.lastSetup?.uploaded).toBe(true);
      const dir = path.join(p.installRoot, bundleVersion);
      execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: dir });
      // Every process went to the distro as root (fake-wsl insists); the mux runs from the install.
      expect(invocations().length).toBeGreaterThanOrEqual(3);
      expect(invocations().every((l) => l.startsWith('Berth-Test '))).toBe(true);
      expect(pidsRunning(`${dir}/berthd.cjs stdio-mux`)).toHaveLength(1);
      const docker = c.docker();
      expect((await docker.ping()).toString()).toBe('OK');
      expect((await docker.info()).DockerRootDir).toBe(p.dataRoot);
      const many = await Promise.all(Array.from({ length: 20 }, () => docker.version()));
      expect(many.every((v) => v.Version === bundleVersion)).toBe(true);
      await c.close();
      expect(pidsRunning(`${dir}/berthd.cjs stdio-mux`)).toEqual([]);
    });

    it('a second connect is one process: the install and the agent are reused', async () => {
      const pid = agentPid(p.socketPath);
      const before = invocations().length;
      const c = connect();
      await c.connect();
      expect(invocations().length - before).toBe(1);
      expect(c.lastSetup?.uploaded).toBe(false);
      expect(c.lastSetup?.handshake).toContain('"reused":true');
      expect(agentPid(p.socketPath)).toBe(pid);
      await c.close();
    });

    it('reinstalls a damaged install', async () => {
      await stopAgent(p.socketPath);
      const node = path.join(p.installRoot, bundleVersion, 'berthd.cjs');
      fs.appendFileSync(node, "\nthrow new Error('berth-test-corruption');\n");
      const c = connect();
      expect((await c.connect()).version).toBe(bundleVersion);
      expect(c.lastSetup?.uploaded).toBe(true);
      expect(fs.readFileSync(node, 'utf8')).not.toContain('berth-test-corruption');
      await c.close();
    });

    it('the agent dying, or the process exiting, is followed by a reconnect', async () => {
      const c = connect({ healthIntervalMs: 300, reconnect: { initialDelayMs: 100, maxDelayMs: 1000 } });
      await c.connect();
      const docker = c.docker();
      process.kill(agentPid(p.socketPath)!, 'SIGKILL');
      await waitForState(c, 'reconnecting');
      await waitForState(c, 'connected');
      expect((await docker.ping()).toString()).toBe('OK');
      const mux = pidsRunning(`${p.installRoot}/${bundleVersion}/berthd.cjs stdio-mux`);
      expect(mux).toHaveLength(1);
      process.kill(mux[0]!, 'SIGKILL');
      await waitForState(c, 'reconnecting');
      await waitForState(c, 'connected');
      expect((await docker.ping()).toString()).toBe('OK');
      await c.close();
      expect(pidsRunning(`${p.installRoot}/${bundleVersion}/berthd.cjs stdio-mux`)).toEqual([]);
    });

    it('a new version replaces the old agent and install', async () => {
      const q = testPlacement('berth-wsl-');
      placements.push(q);
      const old = await variantBundle('0.0.1-old');
      try {
        const c1 = connect({ agent: q }, old.dir);
        expect((await c1.connect()).version).toBe('0.0.1-old');
        const oldPid = agentPid(q.socketPath)!;
        await c1.close();
        const c2 = connect({ agent: q });
        expect((await c2.connect()).version).toBe(bundleVersion);
        expect(c2.lastSetup?.handshake).toContain('"replaced":{"version":"0.0.1-old"');
        expect(processAlive(oldPid)).toBe(false);
        expect(fs.readdirSync(q.installRoot).filter((e) => !e.startsWith('.install.lock'))).toEqual([bundleVersion]);
        await c2.close();
      } finally {
        old.cleanup();
      }
    });

    it('a cancelled connect (mid-install) rejects with Cancelled and leaves no process', async () => {
      const q = testPlacement('berth-wsl-');
      placements.push(q);
      const c = connect({ agent: q });
      const ac = new AbortController();
      const states: string[] = [];
      c.onState((s) => states.push(s.status === 'connecting' ? `connecting:${s.detail}` : s.status));
      const pending = c.connect(ac.signal);
      const deadline = Date.now() + 30_000;
      while (!states.some((s) => s.includes('installing')) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      ac.abort();
      await expect(pending).rejects.toMatchObject({ code: 'Cancelled' });
      await new Promise((r) => setTimeout(r, 500));
      expect(pidsRunning(q.dir)).toEqual([]);
      expect(agentPid(q.socketPath)).toBeUndefined();
    });

    it('a wsl command that cannot start is a clear Unreachable', async () => {
      const c = connect({ wslCommand: [path.join(p.dir, 'no-such-wsl.exe')] });
      await expect(c.connect()).rejects.toMatchObject({
        code: 'Unreachable',
        message: expect.stringMatching(/no-such-wsl\.exe/),
      });
    });
  },
  ['sha256sum', 'tar', 'flock'],
);
