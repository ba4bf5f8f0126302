/**
 * A running container's I/O in the agent: the log pump (raw files or pty master → json log and
 * live chunks), the inotify watch on its io/ directory (output and the shim's exit file), the pty
 * master and the stdin pipe. Input written before the container starts is buffered here.
 */
import fs from 'node:fs';
import type net from 'node:net';
import { LogPump, type StreamName } from './logs/pump';
import { PtyMaster } from './tty';
import { wrapStdin } from './start';

export class ContainerIo {
  readonly pump: LogPump;
  private watcher: fs.FSWatcher | undefined;
  private master: PtyMaster | undefined;
  private stdin: net.Socket | undefined;
  private ptyEnded = false;
  private closed = false;

  constructor(
    readonly ioDir: string,
    readonly tty: boolean,
    private readonly onExitFile: () => void,
  ) {
    this.pump = new LogPump(ioDir);
  }

  /** Begin tailing (and watching for the exit file). */
  begin(masterFd: number | undefined, stdinFd: number | undefined, pending: Buffer[]): void {
    this.watcher = fs.watch(this.ioDir, { persistent: false }, (_ev, file) => {
      if (file === 'exit') this.onExitFile();
      else if (file === 'stdout' || file === 'stderr' || file === null) this.pump.kick();
    });
    this.watcher.on('error', () => undefined);
    this.pump.openRaw();
    if (masterFd !== undefined) {
      this.master = new PtyMaster(
        masterFd,
        (c) => this.pump.feed('stdout', c),
        () => {
          this.ptyEnded = true;
        },
      );
    }
    if (stdinFd !== undefined) this.stdin = wrapStdin(stdinFd);
    for (const b of pending) this.write(b);
  }

  write(data: Buffer): void {
    if (this.master) this.master.write(data);
    else this.stdin?.write(data);
  }

  /** Close the agent's end of stdin (the caller also tells the shim to close its copy). */
  closeStdin(): void {
    this.stdin?.end();
    this.stdin = undefined;
  }

  resize(rows: number, cols: number): void {
    this.master?.resize(rows, cols);
  }

  onData(fn: (stream: StreamName, chunk: Buffer) => void): () => void {
    this.pump.on('data', fn);
    return () => this.pump.off('data', fn);
  }

  get hasPtyEnded(): boolean {
    return this.ptyEnded;
  }

  /** Read the remaining output, then stop. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.close();
    this.watcher = undefined;
    // Give the pty reader a moment to deliver what the command wrote last.
    if (this.master && !this.ptyEnded) await new Promise((r) => setTimeout(r, 20));
    this.master?.close();
    this.stdin?.destroy();
    await this.pump.drain(true);
    await this.pump.close();
  }

  /** Stop without draining (agent shutdown: the container keeps running). */
  async detach(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.close();
    this.master?.close();
    this.stdin?.destroy();
    await this.pump.close();
  }
}
