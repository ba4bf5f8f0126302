/**
 * Reads a stream of newline-separated JSON documents (the engine's /events, stats, pull, push and
 * build output) and hands out one parsed object at a time. Partial lines are kept across chunks;
 * a line over `maxLine` bytes ends the stream with an error instead of growing without bound.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export interface JsonLinesHandlers {
  object(value: unknown): void;
  /** Called once: at the end of the stream, or with the error that ended it. */
  end(err?: Error): void;
}

export function readJsonLines(
  stream: Readable | NodeJS.ReadableStream,
  h: JsonLinesHandlers,
  maxLine = 8 << 20,
): () => void {
  const decoder = new StringDecoder('utf8');
  let buf = '';
  let done = false;
  const finish = (err?: Error): void => {
    if (done) return;
    done = true;
    stream.removeListener('data', onData);
    stream.removeListener('end', onEnd);
    stream.removeListener('error', onError);
    stream.removeListener('close', onClose);
    h.end(err);
  };
  const emitLine = (line: string): boolean => {
    const t = line.trim();
    if (!t) return true;
    let value: unknown;
    try {
      value = JSON.parse(t);
    } catch {
      finish(new Error(`the engine sent a line that is not JSON: ${t.slice(0, 200)}`));
      return false;
    }
    h.object(value);
    return !done;
  };
  const onData = (chunk: Buffer | string): void => {
    buf += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!emitLine(line)) return;
    }
    if (buf.length > maxLine) finish(new Error(`a line of the engine's stream exceeds ${maxLine} bytes`));
  };
  const onEnd = (): void => {
    buf += decoder.end();
    if (buf && !emitLine(buf)) return;
    buf = '';
    finish();
  };
  const onError = (err: Error): void => finish(err);
  // A destroyed socket may close without 'end' (the engine died mid-stream).
  const onClose = (): void =>
    finish(done ? undefined : Object.assign(new Error('the engine closed the stream'), { code: 'ECONNRESET' }));
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('error', onError);
  stream.on('close', onClose);
  return () => {
    if (done) return;
    done = true;
    stream.removeListener('data', onData);
    stream.removeListener('end', onEnd);
    stream.removeListener('error', onError);
    stream.removeListener('close', onClose);
    (stream as Readable).destroy?.();
  };
}
