/**
 * RemoteHost inside a WSL2 distro: every command is one `wsl.exe … --exec sh -c <script>`
 * process (as root), and a file is copied in by streaming it into `cat > path`. (On Windows the
 * distro's files are also reachable as \\wsl$\<distro>\…; the stdin route needs no path
 * translation and works the same with the Linux stand-in used by the tests.)
 */
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { ConnectionFailure, errorText } from '../errors';
import type { ExecResult, ProcessHost, Release, RemoteHost, RemoteProcess, RunOptions } from '../remote/host';
import { lockWithProcess } from '../remote/lock';
import { withTimeout } from '../transport/deadline';
import { exitOf, spawnInDistro, type WslTarget } from './child';

const MAX_OUTPUT = 1 << 20;

export class WslRemoteHost implements RemoteHost, ProcessHost {
  readonly label: string;

  constructor(private readonly target: WslTarget) {
    this.label = `WSL distro ${target.distro}`;
  }

  async run(script: string, args: readonly string[], opts: RunOptions): Promise<ExecResult> {
    const child = spawnInDistro(this.target, 'sh', ['-c', script, 'sh', ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += d;
    });
    child.stderr!.on('data', (d: string) => {
      if (stderr.length < MAX_OUTPUT) stderr += d;
    });
    child.stdin!.on('error', () => undefined);
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (err) =>
        reject(
          new ConnectionFailure(
            'Unreachable',
            `cannot start ${this.target.wslCommand[0] ?? 'wsl.exe'}: ${errorText(err)}`,
          ),
        ),
      ),
    );
    child.stdin!.end(opts.stdin ?? '');
    const code = await withTimeout(
      Promise.race([
        // 'close' comes after the output pipes are drained ('exit' may come before).
        new Promise<number | null>((resolve) => child.once('close', (c: number | null) => resolve(c))),
        spawnError,
      ]),
      opts.timeoutMs,
      `a command in ${this.label}`,
      () => child.kill('SIGKILL'),
    );
    return { code, signal: child.signalCode ?? undefined, stdout, stderr };
  }

  async start(script: string, args: readonly string[]): Promise<RemoteProcess> {
    const child = spawnInDistro(this.target, 'sh', ['-c', script, 'sh', ...args]);
    child.stdin!.on('error', () => undefined);
    child.on('error', () => undefined);
    return {
      stdin: child.stdin!,
      stdout: child.stdout!,
      stderr: child.stderr!,
      exited: exitOf(child),
      kill: () => child.kill('SIGKILL'),
    };
  }

  lock(root: string, waitMs: number): Promise<Release> {
    return lockWithProcess(this, root, waitMs);
  }

  async upload(localPath: string, remotePath: string, timeoutMs: number): Promise<void> {
    const child = spawnInDistro(this.target, 'sh', ['-c', 'cat > "$1"', 'sh', remotePath]);
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => (stderr += d.slice(0, 2000)));
    child.stdout!.resume();
    const copy = pipeline(fs.createReadStream(localPath), child.stdin!).catch(() => undefined);
    const code = await withTimeout(exitOf(child), timeoutMs, `copying ${remotePath} into ${this.label}`, () =>
      child.kill('SIGKILL'),
    );
    await copy;
    if (code !== 0) {
      throw new ConnectionFailure(
        'InstallFailed',
        `copying ${remotePath} into ${this.label} failed (exit ${code}): ${stderr.trim()}`,
      );
    }
  }
}
