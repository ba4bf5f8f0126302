/**
 * Following a container's logs: one engine stream per subscriber (each has its own tail/since),
 * demultiplexed unless the container has a TTY, split into lines and sent in small batches so a
 * chatty container costs one message per ~50 ms rather than one per line.
 */
import type Dockerode from 'dockerode';
import type { LogEntry, LogsQuery } from '../../contract/models/containers';
import { Demuxer, demuxAll } from './demux';
import { LogLineSplitter } from './log-lines';

export interface LogFollower {
  tty: boolean;
  close(): void;
}

function logOptions(q: LogsQuery, follow: boolean): Record<string, unknown> {
  return {
    follow,
    stdout: true,
    stderr: true,
    timestamps: q.timestamps ?? false,
    tail: q.tail === undefined ? 'all' : String(q.tail),
    ...(q.since !== undefined ? { since: q.since } : {}),
    ...(q.until !== undefined ? { until: q.until } : {}),
  };
}

async function isTty(docker: Dockerode, id: string): Promise<boolean> {
  const info = (await docker.getContainer(id).inspect()) as { Config?: { Tty?: boolean } };
  return info.Config?.Tty === true;
}

export async function fetchLogs(docker: Dockerode, q: LogsQuery): Promise<LogEntry[]> {
  const tty = await isTty(docker, q.id);
  const raw = (await docker.getContainer(q.id).logs(logOptions(q, false) as { follow: false })) as unknown;
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw ?? ''));
  const split = new LogLineSplitter(q.timestamps ?? false);
  const out: LogEntry[] = [];
  for (const part of demuxAll(buf, !tty)) out.push(...split.push(part.stream, part.text));
  out.push(...split.flush());
  return out;
}

export async function followLogs(
  docker: Dockerode,
  q: LogsQuery,
  sink: { data(entries: LogEntry[]): void; end(err?: unknown): void },
  batchMs = 50,
): Promise<LogFollower> {
  const tty = await isTty(docker, q.id);
  const stream = (await docker
    .getContainer(q.id)
    .logs(logOptions(q, true) as { follow: true })) as NodeJS.ReadableStream & { destroy?: () => void };
  const split = new LogLineSplitter(q.timestamps ?? false);
  let batch: LogEntry[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (batch.length === 0) return;
    const b = batch;
    batch = [];
    sink.data(b);
  };
  const demux = new Demuxer(!tty, (s, text) => {
    batch.push(...split.push(s, text));
    if (batch.length >= 1000) flush();
    else if (batch.length && !timer) timer = setTimeout(flush, batchMs);
  });
  const finish = (err?: unknown): void => {
    if (closed) return;
    closed = true;
    demux.end();
    batch.push(...split.flush());
    flush();
    cleanup();
    sink.end(err);
  };
  const onData = (c: Buffer): void => demux.write(c);
  const onEnd = (): void => finish();
  const onError = (err: Error): void => finish(err);
  const cleanup = (): void => {
    stream.removeListener('data', onData);
    stream.removeListener('end', onEnd);
    stream.removeListener('close', onEnd);
    stream.removeListener('error', onError);
  };
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('close', onEnd);
  stream.on('error', onError);
  return {
    tty,
    close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      cleanup();
      stream.destroy?.();
    },
  };
}
