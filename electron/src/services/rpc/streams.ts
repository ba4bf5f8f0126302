/**
 * Opens the contract's streams for a session: engine events and stats shared across subscribers,
 * logs and exec one per subscriber. Each opener answers its `open` info and a close function.
 */
import type { StreamArgs, StreamData, StreamOpen, StreamTopic } from '../../contract/events';
import type { AppServices } from '../app';
import type { ExecSession } from '../streams/exec';
import { startExec } from '../streams/exec';
import { followLogs } from '../streams/logs';

export interface StreamSink<T extends StreamTopic> {
  data(payload: StreamData<T>): void;
  end(err?: unknown): void;
}

export interface OpenedStream<T extends StreamTopic> {
  info: StreamOpen<T>;
  close(): void;
  /** exec only: the session the input and resize calls go to. */
  exec?: ExecSession;
}

export type StreamOpeners = {
  [T in StreamTopic]: (args: StreamArgs<T>, sink: StreamSink<T>, subId: string) => Promise<OpenedStream<T>>;
};

export function createStreamOpeners(app: AppServices): StreamOpeners {
  return {
    'engine:events': async (args, sink) => {
      app.hosts.docker(args.hostId);
      const close = await app.engineEvents.subscribe(args.hostId, sink);
      return { info: {}, close };
    },
    'containers:stats': async (args, sink) => {
      const docker = app.hosts.docker(args.hostId);
      const close = await app.stats.subscribe(args.hostId, docker, args.id, sink);
      return { info: {}, close };
    },
    'containers:logs': async (args, sink) => {
      const f = await app.hosts.call(args.hostId, (d) => followLogs(d, args, sink));
      return { info: { tty: f.tty }, close: () => f.close() };
    },
    exec: async (args, sink, subId) => {
      const s = await app.hosts.call(args.hostId, (d) => startExec(d, args, sink));
      return { info: { execId: s.execId, sessionId: subId }, close: () => s.close(), exec: s };
    },
  };
}
