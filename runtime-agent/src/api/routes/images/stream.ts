/**
 * Docker's JSON-lines progress streams (pull, push, import, load): headers go out at once, each
 * event is one JSON object per line, a failure after the headers is sent in-stream as
 * {"errorDetail":{"message"},"error"} — what the docker CLI and dockerode's followProgress read.
 */
import type { Writable } from 'node:stream';
import type { RouteContext } from '../../context';
import { errorMessage } from '../../../errdefs';
import { errorMessageLine, toJsonMessage, type JsonMessage, type ProgressSink } from '../../../images/progress';

export interface JsonStream {
  send(m: JsonMessage): void;
  progress: ProgressSink;
  /** Run the operation; its error is reported in-stream; the stream is then ended. */
  run(fn: () => Promise<void>): Promise<void>;
}

export function jsonStream(ctx: RouteContext): JsonStream {
  const out: Writable = ctx.startStream(200, 'application/json') as Writable;
  let open = true;
  out.on('close', () => (open = false));
  const send = (m: JsonMessage): void => {
    if (open && !out.writableEnded) out.write(JSON.stringify(m) + '\r\n');
  };
  return {
    send,
    progress: (e) => send(toJsonMessage(e)),
    async run(fn) {
      try {
        await fn();
      } catch (err) {
        ctx.log.debug('streamed operation failed', { path: ctx.path, error: errorMessage(err) });
        send(errorMessageLine(errorMessage(err)));
      } finally {
        if (!out.writableEnded) out.end();
      }
    },
  };
}
