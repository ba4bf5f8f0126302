/**
 * RemoteHost over ONE shell on the host: a single exec channel runs `exec sh`, and every set-up
 * command is written to that shell's stdin, its output captured in a private temp dir and read
 * back between random markers. sshd starts each exec through the user's login shell, which may
 * read heavy rc files (pyenv, nvm, conda init: a second or more each time); the set-up then pays
 * that once instead of once per command, and a far host costs one round trip per command.
 * The install lock is an fd of this shell (flock), or a lock directory it removes on exit, so it
 * goes away with the channel. Files are uploaded by SFTP.
 */
import crypto from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import { ConnectionFailure } from '../errors';
import { shCommand, shq, type ExecResult, type Release, type RemoteHost, type RunOptions } from '../remote/host';
import { settlesWithin, withTimeout } from '../transport/deadline';
import { SshRemoteHost } from './remote-host';
import type { SshSession } from './session';

const MAX_OUTPUT = 2 << 20;

export class ShellSessionHost implements RemoteHost {
  readonly label: string;
  private buffer = '';
  private waiting: { marker: string; resolve: (text: string) => void; reject: (err: Error) => void } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private broken: Error | undefined;
  private readonly uploads: SshRemoteHost;
  private readonly m: { rc: string; err: string; end: string; input: string };

  private constructor(
    session: SshSession,
    private readonly ch: ClientChannel,
    nonce: string,
  ) {
    this.label = session.label;
    this.uploads = new SshRemoteHost(session);
    this.m = {
      rc: `__BERTH_RC_${nonce}`,
      err: `__BERTH_ERR_${nonce}`,
      end: `__BERTH_END_${nonce}`,
      input: `__BERTH_IN_${nonce}`,
    };
    ch.setEncoding('utf8');
    ch.on('data', (d: string) => this.onData(d));
    ch.stderr.resume();
    ch.on('error', () => undefined);
    ch.once('close', () => this.fail(new ConnectionFailure('Unreachable', `the set-up shell on ${this.label} ended`)));
  }

  /** Starts the shell; rejects when it cannot (the caller then uses one exec per command). */
  static async open(session: SshSession, timeoutMs: number): Promise<ShellSessionHost> {
    const nonce = crypto.randomBytes(9).toString('hex');
    const ch = await session.execStream('exec sh', { timeoutMs });
    const host = new ShellSessionHost(session, ch, nonce);
    const ready = `__BERTH_READY_${nonce}`;
    const init =
      `T=$(mktemp -d 2>/dev/null) || T=; L=; ` +
      `trap 'rm -rf "$T"; if [ -n "$L" ]; then rmdir "$L" 2>/dev/null; fi' EXIT; ` +
      `printf '\\n${ready} %s\\n' "$T"\n`;
    try {
      await host.send(init, `\n${ready} `, timeoutMs);
      const line = await host.send('', '\n', timeoutMs);
      if (!line.trim().startsWith('/'))
        throw new ConnectionFailure('InstallFailed', `no temp dir for the set-up shell on ${host.label}`);
      return host;
    } catch (err) {
      await host.close();
      throw err;
    }
  }

  private onData(d: string): void {
    if (this.buffer.length < MAX_OUTPUT * 2) this.buffer += d;
    this.deliver();
  }

  private deliver(): void {
    const w = this.waiting;
    if (!w) return;
    const at = this.buffer.indexOf(w.marker);
    if (at < 0) return;
    const text = this.buffer.slice(0, at);
    this.buffer = this.buffer.slice(at + w.marker.length);
    this.waiting = undefined;
    w.resolve(text);
  }

  private fail(err: Error): void {
    this.broken ??= err;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(err);
  }

  /** Writes text and resolves with what the shell printed before `marker`. */
  private send(text: string, marker: string, timeoutMs: number): Promise<string> {
    if (this.broken) return Promise.reject(this.broken);
    const got = new Promise<string>((resolve, reject) => {
      this.waiting = { marker, resolve, reject };
    });
    if (text) this.ch.write(text);
    this.deliver();
    return withTimeout(got, timeoutMs, `a command on ${this.label}`, () => {
      // The shell is in an unknown state now: nothing more goes through it.
      this.fail(new ConnectionFailure('Timeout', `a set-up command on ${this.label} timed out`));
      this.ch.destroy();
    });
  }

  /** Runs shell text (in this shell, so `exec 9>…` persists) and collects status and output. */
  private command(text: string, timeoutMs: number): Promise<ExecResult> {
    const { rc, err, end } = this.m;
    const framed =
      `{ ${text}\n} >"$T/o" 2>"$T/e"\n` +
      `printf '\\n${rc} %s\\n' "$?"; cat "$T/o"; printf '\\n${err}\\n'; cat "$T/e"; printf '\\n${end}\\n'\n`;
    const run = async (): Promise<ExecResult> => {
      const out = await this.send(framed, `\n${end}\n`, timeoutMs);
      const rcAt = out.indexOf(`\n${rc} `);
      const errAt = out.indexOf(`\n${err}\n`);
      if (rcAt < 0 || errAt < rcAt)
        throw new ConnectionFailure('InstallFailed', `garbled output from the set-up shell on ${this.label}`);
      const nl = out.indexOf('\n', rcAt + 1 + rc.length + 1);
      const code = Number.parseInt(out.slice(rcAt + 1 + rc.length + 1, nl), 10);
      return {
        code: Number.isNaN(code) ? null : code,
        signal: undefined,
        stdout: out.slice(nl + 1, errAt).slice(0, MAX_OUTPUT),
        stderr: out.slice(errAt + err.length + 2).slice(0, MAX_OUTPUT),
      };
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  run(script: string, args: readonly string[], opts: RunOptions): Promise<ExecResult> {
    let redirect = '</dev/null';
    if (opts.stdin !== undefined) {
      const input = opts.stdin.toString();
      if (input.includes(this.m.input) || input.includes('\0')) {
        return Promise.reject(new ConnectionFailure('InstallFailed', 'unsupported input for a remote command'));
      }
      redirect = `<<'${this.m.input}'\n${input}${input.endsWith('\n') ? '' : '\n'}${this.m.input}`;
    }
    return this.command(`${shCommand(script, args)} ${redirect}`, opts.timeoutMs);
  }

  async lock(root: string, waitMs: number): Promise<Release> {
    const waitS = Math.max(1, Math.ceil(waitMs / 1000));
    const dir = shq(`${root}/.install.lock.d`);
    const text = [
      `mkdir -p ${shq(root)} || exit_code=3`,
      `if [ -z "$exit_code" ]; then if command -v flock >/dev/null 2>&1; then exec 9>${shq(`${root}/.install.lock`)} && flock -w ${waitS} 9 || exit_code=4; ` +
        `else n=0; while ! mkdir ${dir} 2>/dev/null; do n=$((n+1)); if [ "$n" -gt ${waitS} ]; then exit_code=4; break; fi; sleep 1; done; ` +
        `if [ -z "$exit_code" ]; then L=${dir}; fi; fi; fi`,
      '(exit ${exit_code:-0}); ',
    ].join('; ');
    const r = await this.command(`exit_code=; ${text}`, waitMs + 15_000);
    if (r.code === 4) {
      throw new ConnectionFailure(
        'InstallFailed',
        `another Berth install on ${this.label} is still running after ${waitS} s; try again later`,
      );
    }
    if (r.code !== 0) {
      throw new ConnectionFailure(
        'InstallFailed',
        `cannot lock ${root} on ${this.label}: ${r.stderr.trim() || `exit ${r.code}`}`,
      );
    }
    let released = false;
    return async () => {
      if (released || this.broken) return;
      released = true;
      await this.command('exec 9>&-; if [ -n "$L" ]; then rmdir "$L"; L=; fi', 10_000).catch(() => undefined);
    };
  }

  upload(localPath: string, remotePath: string, timeoutMs: number): Promise<void> {
    return this.uploads.upload(localPath, remotePath, timeoutMs);
  }

  /** Ends the shell (its EXIT trap removes the temp dir and any lock directory). */
  async close(): Promise<void> {
    if (this.ch.destroyed) return;
    this.ch.end('exit\n');
    await settlesWithin(new Promise<void>((resolve) => this.ch.once('close', () => resolve())), 3000);
    this.ch.destroy();
  }
}
