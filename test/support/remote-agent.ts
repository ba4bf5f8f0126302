/**
 * Helpers for tests that set the agent up through a connection: a per-test placement (install
 * root, socket, data and exec roots in a temp dir — never the host's /opt/berth, /run/berth or
 * /var/lib/berth), a scripted prompter that records what it was asked, and stopping the agent
 * the connection started (found through its sidecar file).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AgentPlacement, ConnectionPrompter } from '../../electron/src/connections/types';

export interface Placement extends Required<
  Pick<AgentPlacement, 'installRoot' | 'socketPath' | 'dataRoot' | 'execRoot'>
> {
  dir: string;
}

/** A temp dir (traversable by other users, for the non-root tests) with the agent's paths in it. */
export function testPlacement(prefix = 'berth-remote-'): Placement {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return {
    dir,
    installRoot: path.join(dir, 'install'),
    socketPath: path.join(dir, 'run', 'berth.sock'),
    dataRoot: path.join(dir, 'data'),
    execRoot: path.join(dir, 'exec'),
  };
}

export interface RecordingPrompter extends ConnectionPrompter {
  hostKeyQuestions: Array<{ host: string; port: number; keyType: string; fingerprintSha256: string }>;
  secretQuestions: Array<{ kind: string; prompt: string }>;
}

/** Trusts host keys when `trust` (default true); answers secrets from the queue (undefined = cancel). */
export function recordingPrompter(
  opts: { trust?: boolean; secrets?: Partial<Record<string, string[]>> } = {},
): RecordingPrompter {
  const queues: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(opts.secrets ?? {})) queues[k] = [...(v ?? [])];
  const p: RecordingPrompter = {
    hostKeyQuestions: [],
    secretQuestions: [],
    async confirmHostKey(info) {
      p.hostKeyQuestions.push(info);
      return opts.trust ?? true;
    },
    async secret(req) {
      p.secretQuestions.push({ kind: req.kind, prompt: req.prompt });
      return queues[req.kind]?.shift();
    },
  };
  return p;
}

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\S+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

/** The pid of the agent serving the socket (from its sidecar), if it runs. */
export function agentPid(socketPath: string): number | undefined {
  try {
    const pid = (JSON.parse(fs.readFileSync(`${socketPath}.agent.json`, 'utf8')) as { pid: number }).pid;
    return alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Stops the agent serving the socket (SIGTERM, then SIGKILL) and waits until it is gone. */
export async function stopAgent(socketPath: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const pid = agentPid(socketPath);
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + 15_000;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  while (alive(pid)) await new Promise((r) => setTimeout(r, 50));
}

export { alive as processAlive };
