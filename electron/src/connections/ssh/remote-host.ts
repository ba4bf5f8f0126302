/** RemoteHost over an SSH session: commands as exec channels, files by SFTP. */
import { ConnectionFailure, errorText } from '../errors';
import {
  shCommand,
  type ExecResult,
  type ProcessHost,
  type Release,
  type RemoteHost,
  type RemoteProcess,
  type RunOptions,
} from '../remote/host';
import { lockWithProcess } from '../remote/lock';
import { withTimeout } from '../transport/deadline';
import type { SshSession } from './session';

/** One exec channel per command (the fallback when a shell session cannot be used). */
export class SshRemoteHost implements RemoteHost, ProcessHost {
  readonly label: string;

  constructor(private readonly session: SshSession) {
    this.label = session.label;
  }

  run(script: string, args: readonly string[], opts: RunOptions): Promise<ExecResult> {
    return this.session.exec(shCommand(script, args), opts);
  }

  async start(script: string, args: readonly string[], timeoutMs: number): Promise<RemoteProcess> {
    const ch = await this.session.execStream(shCommand(script, args), { timeoutMs });
    const exited = new Promise<number | null>((resolve) => {
      let code: number | null = null;
      ch.on('exit', (c: number | null) => (code = c));
      ch.once('close', () => resolve(code));
    });
    ch.on('error', () => undefined);
    return { stdin: ch, stdout: ch, stderr: ch.stderr, exited, kill: () => ch.destroy() };
  }

  lock(root: string, waitMs: number): Promise<Release> {
    return lockWithProcess(this, root, waitMs);
  }

  async upload(localPath: string, remotePath: string, timeoutMs: number): Promise<void> {
    const sftp = await this.session.sftp(Math.min(timeoutMs, 30_000));
    const put = new Promise<void>((resolve, reject) => {
      // Large writes (OpenSSH's sftp-server takes up to 256 KiB per packet) are several times
      // faster than ssh2's 32 KiB default; 16 in flight bound the memory.
      sftp.fastPut(localPath, remotePath, { mode: 0o644, concurrency: 16, chunkSize: 255 * 1024 }, (err) => {
        if (err)
          reject(
            new ConnectionFailure(
              'InstallFailed',
              `uploading to ${this.label}:${remotePath} failed: ${errorText(err)}`,
              { cause: err },
            ),
          );
        else resolve();
      });
    });
    try {
      await withTimeout(put, timeoutMs, `uploading ${remotePath} to ${this.label}`, () => this.session.endSftp());
    } finally {
      this.session.endSftp();
    }
  }
}
