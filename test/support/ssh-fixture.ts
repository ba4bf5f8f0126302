/**
 * Shared set-up of the SSH suites: a real sshd with an ed25519 client key authorized for root, a
 * known_hosts file, the agent bundle, and a factory for connections with a per-test placement.
 * Tracks every connection and placement so afterAll closes them, stops the agents and removes
 * the temp dirs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createConnection } from '../../electron/src/connections/factory';
import type { SshConnection } from '../../electron/src/connections/ssh/connection';
import type { ConnectionPrompter, SshConnectionConfig } from '../../electron/src/connections/types';
import { testBundle } from './agent-bundle';
import { recordingPrompter, stopAgent, testPlacement, type Placement, type RecordingPrompter } from './remote-agent';
import { makeKey, startSshd, type SshdHandle, type SshdOptions } from './sshd';

export interface SshFixture {
  sshd: SshdHandle;
  key: { privateKey: string; publicKey: string; publicLine: string };
  knownHosts: string;
  bundleDir: string;
  prompter: RecordingPrompter;
  placement(): Placement;
  connect(
    overrides?: Partial<SshConnectionConfig>,
    deps?: { prompter?: ConnectionPrompter; bundleDir?: string },
  ): SshConnection;
  dispose(): Promise<void>;
}

export async function sshFixture(opts: SshdOptions = {}): Promise<SshFixture> {
  const bundleDir = await testBundle();
  const sshd = await startSshd(opts);
  const key = makeKey(sshd.dir, 'ed25519');
  sshd.authorize('root', key.publicLine);
  const knownHosts = path.join(sshd.dir, 'known_hosts');
  const prompter = recordingPrompter();
  const placements: Placement[] = [];
  const conns: SshConnection[] = [];
  let defaultPlacement: Placement | undefined;
  const fixture: SshFixture = {
    sshd,
    key,
    knownHosts,
    bundleDir,
    prompter,
    placement() {
      const p = testPlacement();
      placements.push(p);
      return p;
    },
    connect(overrides = {}, deps = {}) {
      defaultPlacement ??= fixture.placement();
      const config: SshConnectionConfig = {
        kind: 'ssh',
        host: '127.0.0.1',
        port: sshd.port,
        username: 'root',
        auth: { method: 'key', privateKeyPath: key.privateKey },
        knownHostsPath: knownHosts,
        agent: defaultPlacement,
        ...overrides,
      };
      const c = createConnection(`test-${conns.length}`, config, {
        prompter: deps.prompter ?? prompter,
        bundleDir: deps.bundleDir ?? bundleDir,
      }) as SshConnection;
      conns.push(c);
      return c;
    },
    async dispose() {
      await Promise.all(conns.map((c) => c.close()));
      for (const p of placements) await stopAgent(p.socketPath);
      await sshd.stop();
      sshd.cleanup();
      for (const p of placements) fs.rmSync(p.dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** Resolves when the connection reaches a state with this status (or rejects after timeoutMs). */
export function waitForState(
  conn: { state: { status: string }; onState(l: (s: { status: string }) => void): () => void },
  status: string,
  timeoutMs = 30_000,
): Promise<void> {
  if (conn.state.status === status) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`state ${status} not reached within ${timeoutMs} ms (now ${conn.state.status})`));
    }, timeoutMs);
    const off = conn.onState((s) => {
      if (s.status === status) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}
