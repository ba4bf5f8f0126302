/**
 * Makes sure the berthd of this install serves a socket, for the desktop app's remote and WSL
 * set-up (`berthd serve-remote`, `berthd stdio-mux --ensure-agent`):
 *   - an agent of this bundle (same version and bundle id) already answering: reuse it;
 *   - another version answering: stop it (SIGTERM, then SIGKILL) and start ours — containers
 *     belong to their own processes and outlive the agent;
 *   - none: verify the install (SHA256SUMS), start berthd detached (its own session, log file,
 *     clean environment) and wait until /_ping answers.
 * A sidecar file `<socket>.agent.json` records which bundle and pid serve the socket. One
 * supervisor at a time per socket (flock on `<socket>.agent.lock`).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { agentLibc, LOCK_EX, LOCK_NB, LOCK_UN } from '../sys/libc';
import { BERTH_VERSION } from '../version';
import { installIdentity, verifyInstall } from './install-verify';
import type { LogLevel } from './logger';

export interface EnsureAgentOptions {
  socket: string;
  dataRoot: string;
  execRoot: string;
  logFile?: string | undefined;
  logLevel?: LogLevel | undefined;
  /** uid that may open the socket (it is chowned to it); root only when undefined. */
  owner?: number | undefined;
  /** Verify SHA256SUMS before starting an agent (default true). */
  verify?: boolean;
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
  /** Path of berthd.cjs (default: this process's script). */
  script?: string;
}

export type AgentFailureCode = 'InstallCorrupt' | 'AgentFailed' | 'AgentConflict' | 'InvalidArgument';

/** The machine-readable handshake line, printed as one JSON line. */
export type AgentHandshake =
  | {
      berth: 'agent';
      ok: true;
      version: string;
      bundleId: string;
      pid: number;
      socket: string;
      reused: boolean;
      replaced?: { version: string; pid: number | undefined };
    }
  | { berth: 'agent'; ok: false; code: AgentFailureCode; message: string };

export class AgentSetupError extends Error {
  constructor(
    readonly code: AgentFailureCode,
    message: string,
  ) {
    super(message);
  }
}

interface Sidecar {
  bundleId: string;
  version: string;
  pid: number;
  installDir: string;
  startedAt: string;
}

export function sidecarPath(socket: string): string {
  return `${socket}.agent.json`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** GET a path on the socket; undefined when nothing answers (within timeoutMs). */
export function probe(
  socket: string,
  urlPath: string,
  timeoutMs = 3000,
): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath: socket, path: urlPath, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
  });
}

async function runningVersion(socket: string): Promise<string | undefined> {
  const r = await probe(socket, '/version');
  if (!r || r.status !== 200) return undefined;
  try {
    const v = JSON.parse(r.body) as { Version?: unknown };
    return typeof v.Version === 'string' ? v.Version : '';
  } catch {
    return '';
  }
}

function readSidecar(socket: string): Sidecar | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(sidecarPath(socket), 'utf8')) as Partial<Sidecar>;
    if (typeof s.pid === 'number' && typeof s.bundleId === 'string' && typeof s.version === 'string')
      return s as Sidecar;
  } catch {
    /* none or unreadable */
  }
  return undefined;
}

/** True when pid is a live (not zombie) berthd process. */
export function isBerthd(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('berthd');
  } catch {
    return false;
  }
}

function lockHolderPid(dataRoot: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(path.join(dataRoot, 'berthd.lock'), 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function stopAgent(pid: number, timeoutMs: number): Promise<void> {
  const gone = async (ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (!isBerthd(pid)) return true;
      await sleep(50);
    }
    return !isBerthd(pid);
  };
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (await gone(timeoutMs)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  if (!(await gone(5000))) throw new AgentSetupError('AgentFailed', `the old agent (pid ${pid}) did not exit`);
}

/** Holds an exclusive flock on `<socket>.agent.lock`, polling (the event loop stays free). */
async function lockSocket(socket: string, timeoutMs: number): Promise<() => void> {
  fs.mkdirSync(path.dirname(socket), { recursive: true, mode: 0o755 });
  const fd = fs.openSync(`${socket}.agent.lock`, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  const libc = agentLibc();
  const deadline = Date.now() + timeoutMs;
  while (libc.flock(fd, LOCK_EX | LOCK_NB) !== 0) {
    if (Date.now() > deadline) {
      fs.closeSync(fd);
      throw new AgentSetupError('AgentFailed', `another set-up of the agent on ${socket} is still running`);
    }
    await sleep(100);
  }
  return () => {
    libc.flock(fd, LOCK_UN);
    fs.closeSync(fd);
  };
}

function tail(file: string, bytes = 2000): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-bytes).trim();
  } catch {
    return '';
  }
}

function applyOwner(socket: string, owner: number | undefined): void {
  if (owner === undefined || owner === 0) return;
  const st = fs.statSync(socket);
  if (st.uid !== owner) fs.chownSync(socket, owner, st.gid);
}

export async function ensureAgent(opts: EnsureAgentOptions): Promise<AgentHandshake & { ok: true }> {
  for (const [k, v] of Object.entries({ socket: opts.socket, dataRoot: opts.dataRoot, execRoot: opts.execRoot })) {
    if (!path.isAbsolute(v)) throw new AgentSetupError('InvalidArgument', `${k} must be an absolute path: ${v}`);
  }
  const script = path.resolve(opts.script ?? process.argv[1] ?? '');
  const me = installIdentity(script);
  const release = await lockSocket(opts.socket, 60_000);
  try {
    const running = await runningVersion(opts.socket);
    const side = readSidecar(opts.socket);
    if (running !== undefined && running === BERTH_VERSION && side?.bundleId === me.bundleId && isBerthd(side.pid)) {
      applyOwner(opts.socket, opts.owner);
      return {
        berth: 'agent',
        ok: true,
        version: running,
        bundleId: me.bundleId,
        pid: side.pid,
        socket: opts.socket,
        reused: true,
      };
    }
    let replaced: { version: string; pid: number | undefined } | undefined;
    if (running !== undefined || (side && isBerthd(side.pid))) {
      const pid = side && isBerthd(side.pid) ? side.pid : lockHolderPid(opts.dataRoot);
      if (pid === undefined || !isBerthd(pid)) {
        throw new AgentSetupError(
          'AgentConflict',
          `an engine (version ${running || 'unknown'}) answers on ${opts.socket} but was not started by Berth; ` +
            `stop it or choose another socket`,
        );
      }
      await stopAgent(pid, opts.stopTimeoutMs ?? 20_000);
      replaced = { version: running ?? side?.version ?? 'unknown', pid };
    }
    if (me.bundled && opts.verify !== false) {
      const v = verifyInstall(me.dir);
      if (!v.ok) {
        throw new AgentSetupError('InstallCorrupt', `the agent install in ${me.dir} is damaged (${v.bad.join(', ')})`);
      }
    }
    const pid = await startAgent(script, opts);
    applyOwner(opts.socket, opts.owner);
    const sidecar: Sidecar = {
      bundleId: me.bundleId,
      version: BERTH_VERSION,
      pid,
      installDir: me.dir,
      startedAt: new Date().toISOString(),
    };
    const tmp = `${sidecarPath(opts.socket)}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(sidecar) + '\n', { mode: 0o644 });
    fs.renameSync(tmp, sidecarPath(opts.socket));
    return {
      berth: 'agent',
      ok: true,
      version: BERTH_VERSION,
      bundleId: me.bundleId,
      pid,
      socket: opts.socket,
      reused: false,
      ...(replaced ? { replaced } : {}),
    };
  } finally {
    release();
  }
}

async function startAgent(script: string, opts: EnsureAgentOptions): Promise<number> {
  fs.mkdirSync(opts.dataRoot, { recursive: true, mode: 0o711 });
  const logFile = opts.logFile ?? path.join(opts.dataRoot, 'berthd.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true, mode: 0o755 });
  try {
    fs.renameSync(logFile, `${logFile}.1`);
  } catch {
    /* first start */
  }
  const fd = fs.openSync(logFile, 'a', 0o640);
  const args = [
    script,
    '-H',
    `unix://${opts.socket}`,
    '--data-root',
    opts.dataRoot,
    '--exec-root',
    opts.execRoot,
    '--log-level',
    opts.logLevel ?? 'info',
  ];
  // Own session and no inherited descriptors or environment: the agent outlives this process,
  // the SSH channel or wsl.exe that started it.
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', fd, fd],
    cwd: '/',
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8' },
  });
  fs.closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new AgentSetupError('AgentFailed', 'could not start berthd');
  let exited: string | undefined;
  child.once('exit', (code, sig) => (exited = sig ? `signal ${sig}` : `code ${code}`));
  child.unref();
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (exited !== undefined) {
      throw new AgentSetupError('AgentFailed', `berthd exited (${exited}) before it answered:\n${tail(logFile)}`);
    }
    const r = await probe(opts.socket, '/_ping', 1000);
    if (r?.status === 200 && isBerthd(pid)) return pid;
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      throw new AgentSetupError('AgentFailed', `berthd did not answer on ${opts.socket} in time:\n${tail(logFile)}`);
    }
    await sleep(50);
  }
}
