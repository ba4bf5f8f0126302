/**
 * One authenticated SSH connection (an ssh2 Client after 'ready'): streamlocal channels, commands
 * with timeouts, SFTP, and the pty session that makes sshd turn Nagle off (sshd sets TCP_NODELAY
 * only for connections with a pty; without it parallel responses stall 40 ms per burst). Every
 * channel it opens is tracked, so close() leaves nothing open and tests can count what is open.
 */
import type { Duplex } from 'node:stream';
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import { ConnectionFailure, errorText } from '../errors';
import { withTimeout } from '../transport/deadline';

/** SSH channel open failure reasons (RFC 4254 §5.1). */
export const OPEN_ADMINISTRATIVELY_PROHIBITED = 1;
export const OPEN_CONNECT_FAILED = 2;

export class ChannelOpenError extends Error {
  constructor(
    message: string,
    readonly reason: number | string,
  ) {
    super(message);
  }
  get prohibited(): boolean {
    return this.reason === OPEN_ADMINISTRATIVELY_PROHIBITED;
  }
}

export interface ExecOptions {
  timeoutMs: number;
  /** Written to the command's stdin, which is then closed. */
  stdin?: string | Buffer;
  pty?: boolean;
}

export interface ExecResult {
  code: number | null;
  signal: string | undefined;
  stdout: string;
  stderr: string;
}

const MAX_OUTPUT = 1 << 20;

export class SshSession {
  private readonly channels = new Set<Duplex>();
  private readonly closeListeners = new Set<(err: Error | undefined) => void>();
  private sftpPromise: Promise<SFTPWrapper> | undefined;
  private closedFlag = false;
  private lastError: Error | undefined;
  private ptyChannel: ClientChannel | undefined;
  /** Resolves once the connection is closed (for any reason). */
  readonly closed: Promise<Error | undefined>;

  constructor(
    readonly client: Client,
    private readonly transport: Duplex,
    readonly label: string,
  ) {
    this.closed = new Promise((resolve) => {
      client.on('error', (err: Error) => (this.lastError = err));
      client.once('close', () => {
        this.closedFlag = true;
        for (const c of this.channels) c.destroy();
        this.channels.clear();
        transport.destroy();
        for (const l of [...this.closeListeners]) l(this.lastError);
        this.closeListeners.clear();
        resolve(this.lastError);
      });
    });
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** Called once when the connection ends; returns an unsubscribe function. */
  onClose(listener: (err: Error | undefined) => void): () => void {
    if (this.closedFlag) {
      queueMicrotask(() => listener(this.lastError));
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Channels open right now (the pty session and SFTP included). */
  openChannelCount(): number {
    return this.channels.size;
  }

  private track<T extends Duplex>(ch: T): T {
    this.channels.add(ch);
    ch.once('close', () => this.channels.delete(ch));
    return ch;
  }

  private notConnected(): ConnectionFailure {
    return new ConnectionFailure('Unreachable', `the SSH connection to ${this.label} is closed`);
  }

  /** A direct-streamlocal channel to a unix socket on the server. */
  openStreamLocal(socketPath: string, timeoutMs: number): Promise<ClientChannel> {
    if (this.closedFlag) return Promise.reject(this.notConnected());
    const opened = new Promise<ClientChannel>((resolve, reject) => {
      try {
        this.client.openssh_forwardOutStreamLocal(socketPath, (err, ch) => {
          if (err) {
            const reason = (err as Error & { reason?: number | string }).reason ?? '';
            reject(new ChannelOpenError(`cannot open ${socketPath} on ${this.label}: ${err.message}`, reason));
            return;
          }
          resolve(this.track(ch));
        });
      } catch (err) {
        reject(new ConnectionFailure('Unreachable', `cannot open a channel to ${this.label}: ${errorText(err)}`));
      }
    });
    return withTimeout(opened, timeoutMs, `opening a channel to ${socketPath} on ${this.label}`).catch((err) => {
      // A channel that opens after the timeout is closed at once.
      opened.then(
        (ch) => ch.destroy(),
        () => undefined,
      );
      throw err;
    });
  }

  /** Starts a command and returns its channel (stdout is the channel, stderr ch.stderr). */
  execStream(command: string, opts: { timeoutMs: number; pty?: boolean }): Promise<ClientChannel> {
    if (this.closedFlag) return Promise.reject(this.notConnected());
    const started = new Promise<ClientChannel>((resolve, reject) => {
      try {
        this.client.exec(command, opts.pty ? { pty: { term: 'dumb', rows: 24, cols: 80 } } : {}, (err, ch) => {
          if (!err) resolve(this.track(ch));
          else {
            const reason = (err as Error & { reason?: number | string }).reason;
            // A refused session (sshd's MaxSessions, for one) is a ChannelOpenError: it may pass.
            reject(
              reason !== undefined
                ? new ChannelOpenError(`cannot run a command on ${this.label}: ${err.message}`, reason)
                : new ConnectionFailure('Unreachable', `cannot run a command on ${this.label}: ${err.message}`),
            );
          }
        });
      } catch (err) {
        reject(new ConnectionFailure('Unreachable', `cannot run a command on ${this.label}: ${errorText(err)}`));
      }
    });
    return withTimeout(started, opts.timeoutMs, `starting a command on ${this.label}`).catch((err) => {
      started.then(
        (ch) => ch.destroy(),
        () => undefined,
      );
      throw err;
    });
  }

  /** Runs a command to completion: exit code, output (each capped at 1 MiB). */
  async exec(command: string, opts: ExecOptions): Promise<ExecResult> {
    const ch = await this.execStream(command, { timeoutMs: opts.timeoutMs, ...(opts.pty ? { pty: true } : {}) });
    const run = new Promise<ExecResult>((resolve) => {
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      let signal: string | undefined;
      ch.setEncoding('utf8');
      ch.stderr.setEncoding('utf8');
      ch.on('data', (d: string) => {
        if (stdout.length < MAX_OUTPUT) stdout += d;
      });
      ch.stderr.on('data', (d: string) => {
        if (stderr.length < MAX_OUTPUT) stderr += d;
      });
      ch.on('exit', (c: number | null, sig?: string) => {
        code = c;
        signal = sig ?? undefined;
      });
      ch.on('error', () => undefined);
      ch.once('close', () => resolve({ code, signal, stdout, stderr }));
      if (opts.stdin !== undefined) ch.end(opts.stdin);
      else ch.end();
    });
    return withTimeout(run, opts.timeoutMs, `a command on ${this.label}`, () => ch.destroy());
  }

  /** The SFTP subsystem (one per connection, opened on first use). */
  sftp(timeoutMs: number): Promise<SFTPWrapper> {
    if (this.closedFlag) return Promise.reject(this.notConnected());
    this.sftpPromise ??= withTimeout(
      new Promise<SFTPWrapper>((resolve, reject) => {
        this.client.sftp((err, sftp) => {
          if (err)
            reject(
              new ConnectionFailure(
                'InstallFailed',
                `the SFTP subsystem is not available on ${this.label}: ${err.message}`,
              ),
            );
          else resolve(this.track(sftp as unknown as Duplex) as unknown as SFTPWrapper);
        });
      }),
      timeoutMs,
      `opening SFTP on ${this.label}`,
    );
    this.sftpPromise.catch(() => (this.sftpPromise = undefined));
    return this.sftpPromise;
  }

  /** Closes the SFTP session if one is open (it counts against the server's MaxSessions). */
  endSftp(): void {
    const p = this.sftpPromise;
    this.sftpPromise = undefined;
    p?.then(
      (s) => s.end(),
      () => undefined,
    );
  }

  /** Keeps a pty session open for the connection's life. False when the server refuses a pty. */
  async keepPtyOpen(timeoutMs: number): Promise<boolean> {
    if (this.ptyChannel) return true;
    try {
      const ch = await this.execStream('sleep 2147483647', { timeoutMs, pty: true });
      ch.on('data', () => undefined);
      ch.stderr.on('data', () => undefined);
      ch.on('error', () => undefined);
      ch.once('close', () => {
        if (this.ptyChannel === ch) this.ptyChannel = undefined;
      });
      this.ptyChannel = ch;
      return true;
    } catch {
      return false;
    }
  }

  /** Ends the connection and every channel; resolves when the socket is closed. */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.closedFlag) return;
    for (const c of this.channels) c.destroy();
    this.client.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.closed,
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.client.destroy();
          this.transport.destroy();
          resolve();
        }, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    await this.closed;
  }
}
