/**
 * Processes in a WSL2 distro, started through wsl.exe (or the command standing for it):
 * `<wslCommand…> -d <distro> -u root --exec <program> <args…>`. ChildStdio turns a child's
 * stdout/stdin into one Duplex (what ssh2 reads and writes), holding back the first bytes until
 * the caller has looked at them (an SSH banner, or a line from the set-up script).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';
import { ConnectionFailure } from '../errors';
import { settlesWithin } from '../transport/deadline';

export interface WslTarget {
  wslCommand: readonly string[];
  distro: string;
  /** Kills the processes started for this target when it aborts (a cancelled connect). */
  signal?: AbortSignal;
}

export function wslArgv(t: WslTarget, program: string, args: readonly string[]): { file: string; args: string[] } {
  const [file, ...pre] = t.wslCommand.length ? t.wslCommand : ['wsl.exe'];
  return { file: file!, args: [...pre, '-d', t.distro, '-u', 'root', '--exec', program, ...args] };
}

/** Spawns a program in the distro with piped stdio and no window (Windows). */
export function spawnInDistro(t: WslTarget, program: string, args: readonly string[]): ChildProcess {
  const { file, args: argv } = wslArgv(t, program, args);
  // A clean environment for the child: NODE_OPTIONS and the like must not reach the agent.
  const env: NodeJS.ProcessEnv = {};
  for (const k of [
    'PATH',
    'SystemRoot',
    'SYSTEMROOT',
    'WINDIR',
    'TEMP',
    'TMP',
    'HOME',
    'USERPROFILE',
    'LANG',
    'WSLENV',
  ]) {
    if (process.env[k] !== undefined) env[k] = process.env[k];
  }
  return spawn(file, argv, {
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
    env,
    ...(t.signal ? { signal: t.signal, killSignal: 'SIGKILL' as const } : {}),
  });
}

/** Resolves with the exit code (or null after a signal) once the process has exited. */
export function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
}

/** Ends stdin, waits up to graceMs, then SIGTERM, then SIGKILL. Resolves when it has exited. */
export async function stopChild(child: ChildProcess, graceMs = 2000): Promise<void> {
  const exited = exitOf(child);
  child.stdin?.end();
  const waited = (ms: number): Promise<boolean> => settlesWithin(exited, ms);
  if (await waited(graceMs)) return;
  child.kill('SIGTERM');
  if (await waited(2000)) return;
  child.kill('SIGKILL');
  await exited;
}

export class ChildStdio extends Duplex {
  private held: Buffer[] | undefined = [];
  private heldBytes = 0;
  private readonly firstWaiters = new Set<() => void>();
  private ended = false;

  constructor(private readonly child: ChildProcess) {
    super();
    const out = child.stdout!;
    out.on('data', (d: Buffer) => {
      if (this.held) {
        this.held.push(d);
        this.heldBytes += d.length;
        for (const w of [...this.firstWaiters]) w();
        return;
      }
      if (!this.push(d)) out.pause();
    });
    out.on('end', () => {
      this.ended = true;
      for (const w of [...this.firstWaiters]) w();
      if (!this.held) this.push(null);
    });
    out.on('error', (err) => this.destroy(err));
    child.stdin!.on('error', () => undefined);
  }

  /** The bytes received so far (until start() is called), once there are `min` or a newline, or stdout ended. */
  first(min: number, timeoutMs: number): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const check = (): boolean => {
        const buf = Buffer.concat(this.held ?? []);
        if (buf.length >= min || buf.includes(0x0a) || this.ended) {
          clearTimeout(timer);
          this.firstWaiters.delete(check);
          resolve(buf);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        this.firstWaiters.delete(check);
        reject(
          new ConnectionFailure('Timeout', `no answer from the WSL process within ${Math.round(timeoutMs / 1000)} s`),
        );
      }, timeoutMs);
      if (!check()) this.firstWaiters.add(check);
    });
  }

  /** Releases the held bytes and starts streaming. */
  start(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const b of held) this.push(b);
    if (this.ended) this.push(null);
  }

  override _read(): void {
    this.child.stdout?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const stdin = this.child.stdin;
    if (!stdin || stdin.destroyed) {
      cb(new Error('the WSL process has exited'));
      return;
    }
    stdin.write(chunk, (err) => cb(err ?? null));
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.child.stdin?.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.child.stdin?.end();
    this.child.stdout?.destroy();
    cb(err);
  }
}
