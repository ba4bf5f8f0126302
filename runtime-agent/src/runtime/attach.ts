/** Attach: live output of a container and its stdin, before or after it starts. */
import { isSameProcess } from './proc';
import type { StreamName } from './logs/pump';
import type { Container, ContainerRuntime } from './runtime';

export interface AttachOptions {
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}

export interface AttachSession {
  readonly tty: boolean;
  /** Write to the container's stdin (buffered until it starts). */
  write(data: Buffer): void;
  /** End the container's stdin (StdinOnce). */
  closeStdin(): void;
  /** Stop receiving output; the container keeps running. */
  detach(): void;
}

export function closeStdin(c: Container): void {
  if (c.rec.spec.tty) return;
  if (!c.io) {
    // The client ended stdin before the container started (`echo x | docker run -i`): close it
    // right after the buffered input is delivered at start.
    c.pendingStdinClose = true;
    return;
  }
  c.io.closeStdin();
  // The shim holds a copy of the write end (so stdin survives an agent restart): tell it to close.
  if (isSameProcess(c.rec.state.shimPid, c.rec.state.shimStart)) process.kill(c.rec.state.shimPid, 'SIGUSR1');
}

export function attachContainer(
  rt: ContainerRuntime,
  c: Container,
  opts: AttachOptions,
  onData: (stream: StreamName, chunk: Buffer) => void,
): AttachSession {
  let unsub: (() => void) | undefined;
  const wantOut = (s: StreamName): boolean => (s === 'stdout' ? opts.stdout !== false : opts.stderr !== false);
  const subscribe = (): void => {
    if (!unsub && c.io) unsub = c.io.onData((s, chunk) => wantOut(s) && onData(s, chunk));
  };
  subscribe();
  const onStart = (e: { action: string; id: string }): void => {
    if (e.id === c.rec.id && e.action === 'start') subscribe();
  };
  rt.on('event', onStart);
  return {
    tty: c.rec.spec.tty,
    write(data) {
      if (!opts.stdin || !c.rec.spec.openStdin) return;
      if (c.io) c.io.write(data);
      else c.pendingStdin.push(Buffer.from(data));
    },
    closeStdin() {
      closeStdin(c);
    },
    detach() {
      unsub?.();
      unsub = undefined;
      rt.off('event', onStart);
    },
  };
}
