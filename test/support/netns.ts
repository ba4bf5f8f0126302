/**
 * Stand-in containers for network tests until the runtime lands: named network namespaces
 * (`ip netns add`, unique per test) running busybox through `ip netns exec`, which also
 * bind-mounts /etc/netns/<name>/{hosts,resolv.conf} over /etc — so a namespace sees the files the
 * network module writes there. Everything is removed by `remove()`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export const BUSYBOX = '/usr/bin/busybox';

export interface TestNetns {
  readonly name: string;
  readonly path: string;
  /** /etc/netns/<name>: pass it as the attach request's etcDir. */
  readonly etcDir: string;
  /** Run a command inside; resolves with its output (never rejects on a non-zero exit). */
  exec(args: string[], timeoutMs?: number): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Start a long-running process inside (killed by remove()). */
  spawn(args: string[]): ChildProcess;
  remove(): Promise<void>;
}

export function uniqueName(prefix: string): string {
  return `${prefix}${crypto.randomBytes(4).toString('hex')}`;
}

export async function createNetns(prefix = 'bnt'): Promise<TestNetns> {
  const name = uniqueName(prefix);
  await execFileP('ip', ['netns', 'add', name]);
  const etcDir = `/etc/netns/${name}`;
  const children = new Set<ChildProcess>();
  return {
    name,
    path: `/run/netns/${name}`,
    etcDir,
    exec(args, timeoutMs = 15_000) {
      return new Promise((resolve) => {
        execFile(
          'ip',
          ['netns', 'exec', name, ...args],
          { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
          (err, stdout, stderr) => {
            const code = err ? ((err as { code?: number }).code ?? 1) : 0;
            resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
          },
        );
      });
    },
    spawn(args) {
      const child = spawn('ip', ['netns', 'exec', name, ...args], { stdio: 'ignore' });
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    },
    async remove() {
      for (const c of children) {
        if (c.exitCode === null && c.signalCode === null) {
          const exited = new Promise((r) => c.once('exit', r));
          c.kill('SIGKILL');
          await exited;
        }
      }
      // Anything else still inside (a daemonised child) dies with the namespace's last user.
      try {
        const { stdout } = await execFileP('ip', ['netns', 'pids', name]);
        for (const pid of stdout.split(/\s+/).filter(Boolean)) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      } catch {
        /* namespace already gone */
      }
      await execFileP('ip', ['netns', 'del', name]).catch(() => undefined);
      fs.rmSync(etcDir, { recursive: true, force: true });
    },
  };
}

/** A random 10.x.y.0/24 that no host route overlaps. */
export async function freeSubnet(): Promise<string> {
  const { stdout } = await execFileP('ip', ['-4', 'route', 'show', 'table', 'all']);
  const used = stdout
    .split('\n')
    .map((l) => /^(?:\S+\s+)?(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?/.exec(l))
    .filter((m): m is RegExpExecArray => !!m);
  const toNum = (ip: string): number => ip.split('.').reduce((a, p) => a * 256 + Number(p), 0) >>> 0;
  for (;;) {
    const a = 100 + crypto.randomInt(0, 150);
    const b = crypto.randomInt(0, 256);
    const net = toNum(`10.${a}.${b}.0`);
    const clash = used.some((m) => {
      const len = Number(m[2] ?? 32);
      const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
      const l = Math.min(len, 24);
      const m2 = l === 0 ? 0 : (0xffffffff << (32 - l)) >>> 0;
      return len > 0 && (toNum(m[1]!) & mask & m2) >>> 0 === (net & m2) >>> 0;
    });
    if (!clash) return `10.${a}.${b}.0/24`;
  }
}

/** Links on the host whose names start with `prefix`. */
export async function hostLinks(prefix: string): Promise<string[]> {
  const { stdout } = await execFileP('ip', ['-o', 'link', 'show']);
  return stdout
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
    .filter((n): n is string => !!n && n.startsWith(prefix));
}
