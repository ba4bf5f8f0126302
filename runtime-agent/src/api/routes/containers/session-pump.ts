/**
 * Pump a StdioSession over a hijacked connection (attach, exec start): output to the client
 * (frames or raw), client bytes to stdin with detach-key scanning, half-close handling. The
 * connection ends when the output ends, the client detaches, or either side goes away.
 */
import type { Duplex, Writable } from 'node:stream';
import type { StdioSession } from './backend';
import { DetachScanner, writeOutput } from './stdio';

export interface PumpOptions {
  /** Read the client's bytes into stdin. */
  stdin: boolean;
  detachKeys: Buffer;
  signal: AbortSignal;
}

export async function pumpSession(conn: Duplex | Writable, session: StdioSession, o: PumpOptions): Promise<void> {
  const readable =
    'read' in conn && typeof (conn as Duplex).on === 'function' && o.stdin ? (conn as Duplex) : undefined;
  let detached = false;
  const closeAll = (): void => {
    session.close();
  };
  const onAbort = (): void => closeAll();
  o.signal.addEventListener('abort', onAbort);
  if (readable) {
    const scanner = new DetachScanner(o.detachKeys);
    readable.on('data', (chunk: Buffer) => {
      const { pass, detach } = scanner.feed(chunk);
      if (pass.length) session.writeStdin(pass);
      if (detach) {
        detached = true;
        session.close();
      }
    });
    readable.on('end', () => session.endStdin());
    readable.resume();
  }
  conn.on('error', closeAll);
  try {
    for await (const chunk of session.output) {
      if (detached || o.signal.aborted) break;
      if (!writeOutput(conn, session.tty, chunk.stream, chunk.data)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            conn.off('drain', done);
            conn.off('close', done);
            resolve();
          };
          conn.on('drain', done);
          conn.on('close', done);
        });
      }
    }
  } finally {
    o.signal.removeEventListener('abort', onAbort);
    if (!conn.writableEnded) conn.end();
  }
}
