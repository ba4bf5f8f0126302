/**
 * A small fake of `window.berth` for component and store tests: invoke answers come from handlers
 * the test sets (an unknown channel answers NotImplemented), every call is recorded, events and
 * stream data are pushed by the test.
 */
import type {
  BerthBridge,
  ErrorPayload,
  EventChannel,
  EventMap,
  InvokeChannel,
  InvokeRequest,
  InvokeResponse,
  Result,
  StreamArgs,
  StreamData,
  StreamHandlers,
  StreamOpen,
  StreamTopic,
} from '@contract';

type Handler<C extends InvokeChannel> = (
  req: InvokeRequest<C>,
) => InvokeResponse<C> | Promise<InvokeResponse<C>> | ErrorPayload;

export interface FakeStream<T extends StreamTopic = StreamTopic> {
  topic: T;
  args: StreamArgs<T>;
  closed: boolean;
  push(data: StreamData<T>): void;
  open(info: StreamOpen<T>): void;
  end(error?: ErrorPayload): void;
}

export class BerthFailure {
  constructor(readonly error: ErrorPayload) {}
}

export function fail(error: ErrorPayload): BerthFailure {
  return new BerthFailure(error);
}

export class FakeBridge implements BerthBridge {
  readonly mode = 'web' as const;
  readonly calls: Array<{ channel: string; req: unknown }> = [];
  readonly streams: FakeStream[] = [];
  private readonly handlers = new Map<string, (req: unknown) => unknown>();
  private readonly listeners = new Map<string, Set<(p: unknown) => void>>();
  private readonly connListeners = new Set<(c: boolean) => void>();

  handle<C extends InvokeChannel>(channel: C, h: Handler<C> | InvokeResponse<C> | BerthFailure): this {
    this.handlers.set(channel, typeof h === 'function' ? (h as (req: unknown) => unknown) : () => h);
    return this;
  }

  async invoke<C extends InvokeChannel>(channel: C, req: InvokeRequest<C>): Promise<Result<InvokeResponse<C>>> {
    this.calls.push({ channel, req });
    const h = this.handlers.get(channel);
    if (!h) return { ok: false, error: { code: 'NotImplemented', message: `${channel} has no fake handler` } };
    try {
      const v = await h(req);
      if (v instanceof BerthFailure) return { ok: false, error: v.error };
      return { ok: true, value: v as InvokeResponse<C> };
    } catch (err) {
      return { ok: false, error: { code: 'Internal', message: String(err) } };
    }
  }

  callsTo(channel: InvokeChannel): unknown[] {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.req);
  }

  on<E extends EventChannel>(event: E, listener: (payload: EventMap[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const l = listener as (p: unknown) => void;
    set.add(l);
    return () => void set.delete(l);
  }

  emit<E extends EventChannel>(event: E, payload: EventMap[E]): void {
    for (const l of [...(this.listeners.get(event) ?? [])]) l(payload);
  }

  subscribe<T extends StreamTopic>(topic: T, args: StreamArgs<T>, h: StreamHandlers<T>): () => void {
    const s: FakeStream<T> = {
      topic,
      args,
      closed: false,
      push: (d) => {
        if (!s.closed) h.data(d);
      },
      open: (info) => h.open?.(info),
      end: (e) => {
        if (s.closed) return;
        s.closed = true;
        h.end?.(e);
      },
    };
    this.streams.push(s as unknown as FakeStream);
    return () => {
      s.closed = true;
    };
  }

  openStreams<T extends StreamTopic>(topic: T): Array<FakeStream<T>> {
    return this.streams.filter((s) => s.topic === topic && !s.closed) as unknown as Array<FakeStream<T>>;
  }

  async upload(): Promise<Result<{ uploadId: string; size: number }>> {
    return { ok: true, value: { uploadId: 'up1', size: 1 } };
  }

  onConnection(l: (c: boolean) => void): () => void {
    this.connListeners.add(l);
    return () => void this.connListeners.delete(l);
  }

  setConnected(c: boolean): void {
    for (const l of [...this.connListeners]) l(c);
  }
}

/** Installs a fresh fake as window.berth and returns it. */
export function installFakeBridge(): FakeBridge {
  const b = new FakeBridge();
  window.berth = b;
  return b;
}
