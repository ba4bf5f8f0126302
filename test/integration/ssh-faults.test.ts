/**
 * Faults over SSH, each a typed error or a recovery, never a hang or a leak: an unreachable host,
 * a silent server, something that is not SSH, no space on the install root (a tiny tmpfs),
 * an agent that dies while connected, a dropped SSH connection, a cancelled connect, and close()
 * leaving no sessions, channels or sockets behind.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConnectionState } from '../../electron/src/connections/types';
import { bundleVersion } from '../support/agent-bundle';
import { describeRoot } from '../support/env';
import { freePort } from '../support/ports';
import { agentPid, processAlive, type Placement } from '../support/remote-agent';
import { sshFixture, waitForState, type SshFixture } from '../support/ssh-fixture';

const fast = { healthIntervalMs: 300, reconnect: { initialDelayMs: 100, maxDelayMs: 1000, maxAttempts: 30 } };

function count(kind: string): number {
  return process.getActiveResourcesInfo().filter((r) => r === kind).length;
}

async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeRoot(
  'ssh: faults',
  () => {
    let f: SshFixture;
    let p: Placement;
    const servers: net.Server[] = [];
    beforeAll(async () => {
      f = await sshFixture({ lightShell: true });
      p = f.placement();
    });
    afterAll(async () => {
      for (const s of servers) await new Promise((r) => s.close(r));
      await f?.dispose();
    });

    async function server(onConn: (s: net.Socket) => void): Promise<number> {
      const s = net.createServer((sock) => {
        // Read (and drop) what comes, so the client's close is seen and the server can close.
        sock.resume();
        sock.on('error', () => undefined);
        onConn(sock);
      });
      servers.push(s);
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      return (s.address() as net.AddressInfo).port;
    }

    it('an unreachable host fails at once with Unreachable', async () => {
      const port = await freePort();
      const c = f.connect({ port, reconnect: { maxAttempts: 0 } });
      const started = Date.now();
      await expect(c.connect()).rejects.toMatchObject({
        code: 'Unreachable',
        message: expect.stringMatching(new RegExp(`127\\.0\\.0\\.1:${port}: connection refused`)),
      });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(c.state).toMatchObject({ status: 'failed', error: { code: 'Unreachable' } });
    });

    it('a server that never answers times out with Timeout', async () => {
      const port = await server(() => undefined);
      const c = f.connect({ port, connectTimeoutMs: 1500 });
      await expect(c.connect()).rejects.toMatchObject({ code: 'Timeout' });
    });

    it('something that is not an SSH server fails with a clear message', async () => {
      const port = await server((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
      const c = f.connect({ port });
      await expect(c.connect()).rejects.toMatchObject({
        code: 'Unreachable',
        message: expect.stringMatching(/SSH|handshake|closed/),
      });
    });

    it('no space on the install root: NoSpace, nothing left behind, and the same connection works once there is room', async () => {
      fs.mkdirSync(p.installRoot, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'berth-test-nospace', p.installRoot]);
      const c = f.connect({ agent: p });
      try {
        const err = (await c.connect().catch((e: unknown) => e)) as { code: string; message: string };
        expect(err.code).toBe('NoSpace');
        expect(err.message).toMatch(/needs about \d+ MB, \d+ MB free/);
        expect(err.message).toContain(p.installRoot);
        expect(c.state).toMatchObject({ status: 'failed', error: { code: 'NoSpace' } });
        expect(fs.readdirSync(p.installRoot).filter((e) => e.startsWith('.staging'))).toEqual([]);
      } finally {
        execFileSync('umount', [p.installRoot]);
      }
      // A failed state is recoverable: connect() again on the same object.
      expect((await c.connect()).version).toBe(bundleVersion);
      expect(c.state.status).toBe('connected');
      await c.close();
    });

    it('an agent that dies while connected: reconnecting, then connected to a new agent', async () => {
      const c = f.connect({ agent: p, ...fast });
      await c.connect();
      const states: ConnectionState[] = [];
      c.onState((s) => states.push(s));
      const pid = agentPid(p.socketPath)!;
      process.kill(pid, 'SIGKILL');
      await waitForState(c, 'reconnecting');
      await waitForState(c, 'connected');
      const reconnecting = states.find((s) => s.status === 'reconnecting') as Extract<
        ConnectionState,
        { status: 'reconnecting' }
      >;
      expect(reconnecting.attempt).toBe(1);
      expect(reconnecting.lastError).toMatch(/agent/);
      const newPid = agentPid(p.socketPath)!;
      expect(newPid).not.toBe(pid);
      expect(processAlive(newPid)).toBe(true);
      // The same dockerode keeps working.
      expect((await c.docker().ping()).toString()).toBe('OK');
      await c.close();
    });

    it('a dropped SSH connection: reconnecting, then connected again to the same agent', async () => {
      const c = f.connect({ agent: p, ...fast });
      await c.connect();
      const pid = agentPid(p.socketPath);
      const docker = c.docker();
      await docker.ping();
      for (const s of f.sshd.sessionPids()) process.kill(s, 'SIGTERM');
      await waitForState(c, 'reconnecting');
      await waitForState(c, 'connected');
      expect(agentPid(p.socketPath)).toBe(pid);
      expect((await docker.ping()).toString()).toBe('OK');
      await c.close();
    });

    it('a cancelled connect rejects with Cancelled and leaves no session', async () => {
      const c = f.connect({ agent: p });
      const ac = new AbortController();
      const pending = c.connect(ac.signal);
      setTimeout(() => ac.abort(), 50);
      await expect(pending).rejects.toMatchObject({ code: 'Cancelled' });
      await eventually(() => f.sshd.sessionPids().length === 0);
    });

    it('close() leaves no SSH session, channel, socket or timer of its own', async () => {
      await eventually(() => f.sshd.sessionPids().length === 0);
      const before = { tcp: count('TCPSocketWrap'), timers: count('Timeout') };
      const c = f.connect({ agent: p });
      await c.connect();
      const docker = c.docker();
      await Promise.all(Array.from({ length: 8 }, () => docker.version()));
      expect(c.info().openChannels).toBeGreaterThan(0);
      expect(f.sshd.sessionPids().length).toBeGreaterThan(0);
      await c.close();
      expect(c.info()).toEqual({ transport: undefined, openChannels: 0, pooledConnections: 0 });
      await eventually(() => f.sshd.sessionPids().length === 0);
      await eventually(() => count('TCPSocketWrap') <= before.tcp && count('Timeout') <= before.timers).catch(() => {
        throw new Error(`left: ${JSON.stringify(process.getActiveResourcesInfo())}, before: ${JSON.stringify(before)}`);
      });
      // Using it after close fails at once, typed.
      await expect(docker.ping()).rejects.toMatchObject({ code: 'Unreachable' });
      expect(path.isAbsolute(p.socketPath)).toBe(true);
    });
  },
  ['sshd', 'ssh-keygen', 'sha256sum', 'mount'],
);
