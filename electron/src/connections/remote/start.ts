/**
 * Starts (or reuses) the agent on a host with `berthd serve-remote`, as root: directly when we
 * are root, else through `sudo -n`, else — when sudo wants a password — through `sudo -S` with
 * the password asked of the user and written to sudo's stdin (never stored). Parses the one-line
 * JSON handshake. A damaged install surfaces as InstallCorrupt so the caller can reinstall.
 */
import { ConnectionFailure } from '../errors';
import type { ConnectionPrompter } from '../types';
import type { ResolvedPlacement } from './facts';
import type { ExecResult, RemoteHost } from './host';

export interface AgentReady {
  version: string;
  bundleId: string;
  pid: number;
  socket: string;
  reused: boolean;
  replaced?: { version: string; pid?: number };
}

/** serve-remote reported a damaged install: reinstall and try again. */
export class InstallCorrupt extends Error {}

export interface StartOptions {
  placement: ResolvedPlacement;
  uid: number;
  /** For the sudo prompt. */
  username: string;
  hostName: string;
  prompter: ConnectionPrompter;
  timeoutMs: number;
  /** Told when a question to the user starts and ends (timeouts pause meanwhile). */
  onPrompt?: (waiting: boolean) => void;
}

const MAX_SUDO_TRIES = 3;

type Handshake =
  | {
      berth: 'agent';
      ok: true;
      version: string;
      bundleId: string;
      pid: number;
      socket: string;
      reused: boolean;
      replaced?: { version: string; pid?: number };
    }
  | { berth: 'agent'; ok: false; code: string; message: string };

function parseHandshake(stdout: string): Handshake | undefined {
  const lines = stdout.split('\n').filter((l) => l.startsWith('{"berth":"agent"'));
  const last = lines[lines.length - 1];
  if (!last) return undefined;
  try {
    return JSON.parse(last) as Handshake;
  } catch {
    return undefined;
  }
}

function agentArgs(o: StartOptions): string[] {
  const p = o.placement;
  return [
    `${p.installDir}/node`,
    `${p.installDir}/berthd.cjs`,
    'serve-remote',
    '-H',
    `unix://${p.socketPath}`,
    '--data-root',
    p.dataRoot,
    '--exec-root',
    p.execRoot,
    '--owner',
    String(o.uid),
    // The caller has just checked every file with sha256sum -c.
    '--no-verify',
    ...(p.logFile ? ['--log-file', p.logFile] : []),
  ];
}

function firstLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).slice(-3).join(' ').slice(0, 400);
}

function result(host: RemoteHost, r: ExecResult): AgentReady {
  const hs = parseHandshake(r.stdout);
  if (hs?.ok) {
    return {
      version: hs.version,
      bundleId: hs.bundleId,
      pid: hs.pid,
      socket: hs.socket,
      reused: hs.reused,
      ...(hs.replaced ? { replaced: hs.replaced } : {}),
    };
  }
  if (hs && !hs.ok) {
    if (hs.code === 'InstallCorrupt') throw new InstallCorrupt(hs.message);
    throw new ConnectionFailure('AgentFailed', `the Berth agent could not start on ${host.label}: ${hs.message}`);
  }
  throw new ConnectionFailure(
    'AgentFailed',
    `the Berth agent could not start on ${host.label} (exit ${r.code ?? r.signal}): ${firstLine(r.stderr || r.stdout) || 'no output'}`,
  );
}

export async function startAgent(host: RemoteHost, o: StartOptions): Promise<AgentReady> {
  const args = agentArgs(o);
  const run = { timeoutMs: o.timeoutMs };
  if (o.uid === 0) return result(host, await host.run('exec "$@"', args, run));

  const direct = await host.run('exec sudo -n -- "$@"', args, run);
  if (parseHandshake(direct.stdout)) return result(host, direct);
  const err = direct.stderr;
  if (direct.code === 127 || /sudo: (not found|command not found)|sudo: No such file/i.test(err)) {
    throw new ConnectionFailure(
      'SudoRefused',
      `the Berth agent runs as root, but ${host.label} has no sudo: log in as root or install sudo`,
    );
  }
  if (!/password is required|a terminal is required|askpass/i.test(err)) {
    throw sudoRefused(host, o.username, err);
  }
  for (let attempt = 0; attempt < MAX_SUDO_TRIES; attempt++) {
    o.onPrompt?.(true);
    let password: string | undefined;
    try {
      password = await o.prompter.secret({
        kind: 'sudo',
        prompt: `${attempt ? 'Sorry, try again. ' : ''}Password for sudo on ${o.username}@${o.hostName} (to start the Berth agent as root)`,
        host: o.hostName,
      });
    } finally {
      o.onPrompt?.(false);
    }
    if (password === undefined) {
      throw new ConnectionFailure(
        'SudoRefused',
        `starting the Berth agent on ${host.label} needs the sudo password; it was not given`,
      );
    }
    // The password goes to sudo's stdin and nowhere else.
    const r = await host.run(`exec sudo -S -p '' -- "$@"`, args, { ...run, stdin: `${password}\n` });
    if (parseHandshake(r.stdout)) return result(host, r);
    if (/incorrect password|try again|no password was provided|authentication failure/i.test(r.stderr)) continue;
    throw sudoRefused(host, o.username, r.stderr);
  }
  throw new ConnectionFailure('SudoRefused', `sudo on ${host.label} refused the password ${MAX_SUDO_TRIES} times`);
}

function sudoRefused(host: RemoteHost, user: string, stderr: string): ConnectionFailure {
  return new ConnectionFailure(
    'SudoRefused',
    `sudo refused to start the Berth agent as root on ${host.label} for ${user}: ${firstLine(stderr) || 'no message'}`,
  );
}
