/**
 * Shares one upstream (an engine stream) between every subscriber of the same key, ref-counted:
 * the first subscriber opens it, the last one to leave closes it, and a subscriber that joins late
 * gets the last value at once. When the upstream ends, every subscriber hears why.
 */
export interface Sink<T> {
  data(value: T): void;
  end(err?: unknown): void;
}

export interface Upstream {
  close(): void;
}

export type Opener<T> = (sink: Sink<T>) => Promise<Upstream>;

interface Shared<T> {
  sinks: Set<Sink<T>>;
  upstream?: Upstream;
  last?: T;
  opening?: Promise<void>;
  closed: boolean;
}

export class StreamHub<T> {
  private readonly shared = new Map<string, Shared<T>>();

  /** Resolves once the upstream is open (or rejects when it cannot be); returns the unsubscribe. */
  async subscribe(key: string, open: Opener<T>, sink: Sink<T>): Promise<() => void> {
    let entry = this.shared.get(key);
    if (!entry) {
      const created: Shared<T> = { sinks: new Set(), closed: false };
      this.shared.set(key, created);
      created.opening = this.open(key, created, open);
      entry = created;
    }
    const e = entry;
    e.sinks.add(sink);
    try {
      await e.opening;
    } catch (err) {
      e.sinks.delete(sink);
      throw err;
    }
    if (e.closed) {
      // It ended between opening and now: tell this subscriber like the others.
      e.sinks.delete(sink);
      sink.end();
      return () => undefined;
    }
    if (e.last !== undefined) sink.data(e.last);
    return () => {
      if (!e.sinks.delete(sink)) return;
      if (e.sinks.size === 0) this.closeShared(key, e);
    };
  }

  private async open(key: string, e: Shared<T>, open: Opener<T>): Promise<void> {
    try {
      e.upstream = await open({
        data: (v) => {
          e.last = v;
          for (const k of [...e.sinks]) k.data(v);
        },
        end: (err) => {
          if (e.closed) return;
          e.closed = true;
          if (this.shared.get(key) === e) this.shared.delete(key);
          const sinks = [...e.sinks];
          e.sinks.clear();
          for (const k of sinks) k.end(err);
        },
      });
    } catch (err) {
      e.closed = true;
      if (this.shared.get(key) === e) this.shared.delete(key);
      throw err;
    }
    // Everyone left (or the stream ended) while it was opening.
    if (e.sinks.size === 0 || e.closed) {
      e.closed = true;
      if (this.shared.get(key) === e) this.shared.delete(key);
      e.upstream.close();
    }
  }

  /** Number of subscribers of a key (0 when no upstream is open). */
  subscribers(key: string): number {
    return this.shared.get(key)?.sinks.size ?? 0;
  }

  /** Open upstreams. */
  get size(): number {
    return this.shared.size;
  }

  closeAll(): void {
    for (const [key, s] of [...this.shared]) {
      for (const k of [...s.sinks]) k.end();
      this.closeShared(key, s);
    }
  }

  private closeShared(key: string, s: Shared<T>): void {
    if (this.shared.get(key) === s) this.shared.delete(key);
    s.sinks.clear();
    if (!s.closed) {
      s.closed = true;
      s.upstream?.close();
    }
  }
}
