/**
 * The engine's /events stream, one per host, shared by every subscriber. The UI refreshes from
 * these pushes instead of polling. When the engine goes away the feed stays subscribed, and once
 * the host is back it re-opens from the last event's time and tells subscribers to resync (their
 * lists may have missed changes). An engine without /events ends the subscription with the error.
 */
import type { EngineEventFrame } from '../../contract/events';
import type { EngineEvent } from '../../contract/models/storage';
import { isTransportFailure } from '../errors';
import type { HostManager } from '../hosts/manager';
import type { Sink } from './hub';
import { readJsonLines } from './json-lines';

interface Feed {
  hostId: string;
  sinks: Set<Sink<EngineEventFrame>>;
  stop?: () => void;
  offUp?: () => void;
  /** Unix seconds of the last event seen (to re-open without a gap). */
  since?: number;
  closed: boolean;
}

interface RawEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

export function toEngineEvent(raw: RawEvent): EngineEvent {
  const time = raw.timeNano ? Math.floor(raw.timeNano / 1e6) : (raw.time ?? Math.floor(Date.now() / 1000)) * 1000;
  return {
    type: (raw.Type ?? 'container') as EngineEvent['type'],
    action: raw.Action ?? raw.status ?? '',
    id: raw.Actor?.ID ?? raw.id ?? '',
    attributes: raw.Actor?.Attributes ?? {},
    time,
  };
}

export class EngineEventFeeds {
  private readonly feeds = new Map<string, Feed>();

  constructor(private readonly hosts: HostManager) {}

  async subscribe(hostId: string, sink: Sink<EngineEventFrame>): Promise<() => void> {
    let feed = this.feeds.get(hostId);
    if (!feed) {
      const created: Feed = { hostId, sinks: new Set(), closed: false };
      this.feeds.set(hostId, created);
      created.sinks.add(sink);
      try {
        await this.open(created, false);
      } catch (err) {
        this.close(created);
        throw err;
      }
      feed = created;
    } else feed.sinks.add(sink);
    const f = feed;
    return () => {
      if (f.sinks.delete(sink) && f.sinks.size === 0) this.close(f);
    };
  }

  /** Open feeds (for tests and diagnostics). */
  get size(): number {
    return this.feeds.size;
  }

  closeAll(): void {
    for (const f of [...this.feeds.values()]) {
      for (const s of [...f.sinks]) s.end();
      this.close(f);
    }
  }

  private async open(f: Feed, resync: boolean): Promise<void> {
    const stream = await this.hosts.call(f.hostId, (d) => d.getEvents(f.since !== undefined ? { since: f.since } : {}));
    if (f.closed) {
      (stream as unknown as { destroy?: () => void }).destroy?.();
      return;
    }
    f.stop = readJsonLines(stream, {
      object: (o) => {
        const event = toEngineEvent(o as RawEvent);
        f.since = Math.floor(event.time / 1000);
        for (const s of [...f.sinks]) s.data({ kind: 'event', event });
      },
      end: (err) => this.onEnd(f, err),
    });
    if (resync) for (const s of [...f.sinks]) s.data({ kind: 'resync', reason: 'the engine is back' });
  }

  private onEnd(f: Feed, err?: Error): void {
    f.stop = undefined;
    if (f.closed) return;
    if (err && !isTransportFailure(err) && this.hosts.isConnected(f.hostId)) {
      for (const s of [...f.sinks]) s.end(err);
      this.close(f);
      return;
    }
    // The engine went away (or closed the stream as it shut down): wait for the host to come back.
    if (!err || isTransportFailure(err))
      this.hosts.lost(f.hostId, err?.message ?? 'the engine closed its event stream');
    f.offUp ??= this.hosts.onUp((id) => {
      if (id !== f.hostId || f.closed || f.stop) return;
      this.open(f, true).catch((e: unknown) => {
        for (const s of [...f.sinks]) s.end(e);
        this.close(f);
      });
    });
  }

  private close(f: Feed): void {
    if (f.closed) return;
    f.closed = true;
    f.stop?.();
    f.offUp?.();
    f.sinks.clear();
    if (this.feeds.get(f.hostId) === f) this.feeds.delete(f.hostId);
  }
}
