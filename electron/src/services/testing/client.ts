/**
 * A test client of the service layer: a dispatcher session that records every frame, with typed
 * invoke helpers and waits for events and stream data (bounded: a wait never hangs a test).
 */
import crypto from 'node:crypto';
import type { ErrorPayload, Result } from '../../contract/errors';
import type { EventChannel, EventMap, StreamArgs, StreamData, StreamOpen, StreamTopic } from '../../contract/events';
import type { InvokeChannel, InvokeRequest, InvokeResponse } from '../../contract/invoke';
import type { ServerFrame } from '../../contract/protocol';
import type { Dispatcher } from '../rpc/dispatcher';
import type { Session } from '../rpc/session';

export interface TestStream<T extends StreamTopic> {
  readonly subId: string;
  readonly info: StreamOpen<T>;
  readonly data: Array<StreamData<T>>;
  readonly ended: () => { error?: ErrorPayload } | undefined;
  next(pred?: (d: StreamData<T>) => boolean, timeoutMs?: number): Promise<StreamData<T>>;
  end(timeoutMs?: number): Promise<{ error?: ErrorPayload }>;
  close(): Promise<void>;
}

export class TestClient {
  readonly frames: ServerFrame[] = [];
  readonly session: Session;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly dispatcher: Dispatcher) {
    this.session = dispatcher.openSession((f) => {
      this.frames.push(f);
      for (const w of [...this.waiters]) w();
    });
  }

  invoke<C extends InvokeChannel>(channel: C, req: InvokeRequest<C>): Promise<Result<InvokeResponse<C>>> {
    return this.dispatcher.invoke(this.session, channel, req) as Promise<Result<InvokeResponse<C>>>;
  }

  /** Untyped, for malformed-argument tests. */
  raw(channel: unknown, req: unknown): Promise<Result<unknown>> {
    return this.dispatcher.invoke(this.session, channel, req);
  }

  async ok<C extends InvokeChannel>(channel: C, req: InvokeRequest<C>): Promise<InvokeResponse<C>> {
    const r = await this.invoke(channel, req);
    if (!r.ok) throw new Error(`${channel} failed: ${r.error.code}: ${r.error.message}`);
    return r.value;
  }

  async fails<C extends InvokeChannel>(channel: C, req: InvokeRequest<C>): Promise<ErrorPayload> {
    const r = await this.invoke(channel, req);
    if (r.ok) throw new Error(`${channel} succeeded but should have failed`);
    return r.error;
  }

  events<E extends EventChannel>(name: E): Array<EventMap[E]> {
    return this.frames
      .filter((f) => f.t === 'event' && f.name === name)
      .map((f) => (f as { payload: EventMap[E] }).payload);
  }

  /** Resolves with the first event (already received or yet to come) that matches. */
  waitEvent<E extends EventChannel>(
    name: E,
    pred: (p: EventMap[E]) => boolean = () => true,
    timeoutMs = 10_000,
    from = 0,
  ): Promise<EventMap[E]> {
    return this.waitFor(
      () => {
        for (const f of this.frames.slice(from))
          if (f.t === 'event' && f.name === name && pred(f.payload as EventMap[E])) return f.payload as EventMap[E];
        return undefined;
      },
      timeoutMs,
      `event ${name}`,
    );
  }

  waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const v = probe();
        if (v === undefined) return false;
        done();
        resolve(v);
        return true;
      };
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(tick);
      };
      const tick = (): void => void check();
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(tick);
      check();
    });
  }

  async subscribe<T extends StreamTopic>(topic: T, args: StreamArgs<T>): Promise<TestStream<T>> {
    const subId = `t${crypto.randomBytes(6).toString('hex')}`;
    const r = await this.dispatcher.invoke(this.session, 'stream:open', { subId, topic, args });
    if (!r.ok)
      throw Object.assign(new Error(`stream ${topic}: ${r.error.code}: ${r.error.message}`), { payload: r.error });
    const data = (): Array<StreamData<T>> =>
      this.frames
        .filter((f) => f.t === 'data' && f.subId === subId)
        .map((f) => (f as { payload: StreamData<T> }).payload);
    const ended = (): { error?: ErrorPayload } | undefined => {
      const f = this.frames.find((x) => x.t === 'end' && x.subId === subId) as { error?: ErrorPayload } | undefined;
      return f ? (f.error ? { error: f.error } : {}) : undefined;
    };
    let seen = 0;
    return {
      subId,
      info: r.value as StreamOpen<T>,
      get data() {
        return data();
      },
      ended,
      next: (pred = () => true, timeoutMs = 10_000) =>
        this.waitFor(
          () => {
            const all = data();
            for (; seen < all.length; seen++) if (pred(all[seen]!)) return all[seen++];
            return undefined;
          },
          timeoutMs,
          `data on ${topic}`,
        ),
      end: (timeoutMs = 10_000) => this.waitFor(ended, timeoutMs, `end of ${topic}`),
      close: async () => {
        await this.dispatcher.invoke(this.session, 'stream:close', { subId });
      },
    };
  }

  close(): void {
    this.session.close();
  }
}
