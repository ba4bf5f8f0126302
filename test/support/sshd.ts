/**
 * A real OpenSSH server for a test: Debian's /usr/sbin/sshd with its own config, host keys,
 * authorized_keys and log in a temp dir, on a free loopback port (`UsePAM no`, so passwords are
 * checked against /etc/shadow). Also client key pairs made with ssh-keygen, and an ssh-agent.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './ports';

export type KeyType = 'ed25519' | 'rsa' | 'ecdsa';

export interface SshdOptions {
  /** Host key types (default ed25519). */
  hostKeys?: KeyType[];
  /** Reuse the host keys of an earlier server (same dir layout). */
  hostKeyDir?: string;
  /** Extra sshd_config lines, e.g. "AllowStreamLocalForwarding no". */
  config?: string[];
  /**
   * Sessions get HOME set to an empty dir, so the login shell reads no rc file. This machine's
   * root ~/.bashrc (pyenv init) costs seconds per command under load; suites that test something
   * else than set-up cost use this. Default true: a test must not depend on the state of the
   * host's shell set-up (a pyenv lock left by a killed shell made every login wait 60 s).
   */
  lightShell?: boolean;
  port?: number;
}

export interface SshdHandle {
  readonly port: number;
  readonly dir: string;
  readonly pid: number;
  readonly logFile: string;
  /** Public host key lines ("ssh-ed25519 AAAA…"). */
  readonly hostPublicKeys: string[];
  authorize(user: string, publicKeyLine: string): void;
  log(): string;
  /** Children of sshd right now (one per client connection and session). */
  sessionPids(): number[];
  stop(): Promise<void>;
  cleanup(): void;
}

export function makeKey(
  dir: string,
  type: KeyType,
  opts: { passphrase?: string; name?: string } = {},
): {
  privateKey: string;
  publicKey: string;
  publicLine: string;
} {
  const file = path.join(dir, opts.name ?? `id_${type}`);
  const bits = type === 'rsa' ? ['-b', '3072'] : type === 'ecdsa' ? ['-b', '256'] : [];
  execFileSync('ssh-keygen', ['-q', '-t', type, ...bits, '-N', opts.passphrase ?? '', '-C', 'berth-test', '-f', file], {
    stdio: 'ignore',
  });
  return { privateKey: file, publicKey: `${file}.pub`, publicLine: fs.readFileSync(`${file}.pub`, 'utf8').trim() };
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}

export async function startSshd(opts: SshdOptions = {}): Promise<SshdHandle> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sshd-'));
  fs.chmodSync(dir, 0o755);
  const keyDir = opts.hostKeyDir ?? dir;
  const hostKeys: string[] = [];
  for (const t of opts.hostKeys ?? ['ed25519']) {
    const f = path.join(keyDir, `ssh_host_${t}_key`);
    if (!fs.existsSync(f)) makeKey(keyDir, t, { name: `ssh_host_${t}_key` });
    hostKeys.push(f);
  }
  const authDir = path.join(dir, 'authorized_keys');
  fs.mkdirSync(authDir, { mode: 0o755 });
  const port = opts.port ?? (await freePort());
  const logFile = path.join(dir, 'sshd.log');
  const lightHome = path.join(dir, 'home');
  const light = opts.lightShell ?? true;
  if (light) fs.mkdirSync(lightHome, { mode: 0o755 });
  // sshd takes the first value of a keyword: the test's own lines come first.
  const config = [
    ...(opts.config ?? []),
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    ...hostKeys.map((k) => `HostKey ${k}`),
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${authDir}/%u`,
    'UsePAM no',
    'StrictModes no',
    'PermitRootLogin yes',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'MaxStartups 100',
    'LogLevel VERBOSE',
    'PrintMotd no',
    'Subsystem sftp /usr/lib/openssh/sftp-server',
    // Root's own rc files (pyenv shims and the like) are skipped; other users keep their homes.
    ...(light ? ['Match User root', `  SetEnv HOME=${lightHome}`] : []),
  ];
  const configFile = path.join(dir, 'sshd_config');
  fs.writeFileSync(configFile, config.join('\n') + '\n');
  // The privilege separation directory sshd insists on (standard; left in place for other sshds).
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  execFileSync('/usr/sbin/sshd', ['-t', '-f', configFile], { stdio: 'pipe' });
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-f', configFile, '-E', logFile], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port, '127.0.0.1', 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(
      `sshd did not start: ${(err as Error).message}\n${fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''}`,
      {
        cause: err,
      },
    );
  }
  const pid = child.pid!;
  return {
    port,
    dir,
    pid,
    logFile,
    hostPublicKeys: hostKeys.map((k) => fs.readFileSync(`${k}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ')),
    authorize(user, line) {
      fs.appendFileSync(path.join(authDir, user), line + '\n', { mode: 0o644 });
    },
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    sessionPids: () => childrenOf(pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // sshd -D: SIGTERM stops the listener; session processes are killed by pid.
      const sessions = childrenOf(pid);
      child.kill('SIGTERM');
      for (const s of sessions) {
        try {
          process.kill(s, 'SIGTERM');
        } catch {
          /* gone */
        }
      }
      await exited;
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SshAgentHandle {
  socket: string;
  add(privateKey: string): void;
  stop(): Promise<void>;
}

/** A real ssh-agent (foreground, its own socket), holding the keys added with add(). */
export async function startSshAgent(dir: string): Promise<SshAgentHandle> {
  const socket = path.join(dir, `agent-${process.pid}-${Date.now()}.sock`);
  const child = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 5000;
  while (!fs.existsSync(socket)) {
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('ssh-agent did not create its socket');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    socket,
    add(privateKey) {
      execFileSync('ssh-add', ['-q', privateKey], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'pipe' });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(socket, { force: true });
    },
  };
}
