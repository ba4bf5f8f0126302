/**
 * One client of the service layer: an Electron window or a WebSocket. It receives the broadcast
 * events and the data of its own streams, and when it goes away every stream it opened is closed
 * (the engine streams behind them too, once no other session shares them).
 */
import type { ServerFrame } from '../../contract/protocol';
import { ServiceError, toErrorPayload } from '../errors';
import type { EventBus } from '../events';
import type { ExecSession } from '../streams/exec';

interface OpenSub {
  close(): void;
  exec?: ExecSession;
}

export class Session {
  private readonly subs = new Map<string, OpenSub>();
  /** Subscriptions whose open is in flight (closing one of these closes it once open). */
  private readonly opening = new Set<string>();
  /** Subscriptions that ended while still opening. */
  private readonly endedEarly = new Set<string>();
  private readonly offBus: () => void;
  private closed = false;

  constructor(
    readonly id: string,
    bus: EventBus,
    private readonly send: (frame: ServerFrame) => void,
  ) {
    this.offBus = bus.subscribe((name, payload) => this.emit({ t: 'event', name, payload }));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get openStreams(): number {
    return this.subs.size;
  }

  emit(frame: ServerFrame): void {
    if (this.closed) return;
    try {
      this.send(frame);
    } catch {
      // The transport is gone; its close handler disposes of this session.
    }
  }

  beginOpen(subId: string): void {
    if (this.subs.has(subId) || this.opening.has(subId))
      throw new ServiceError('Conflict', `subscription ${subId} is already open`, { field: ['subId'] });
    this.opening.add(subId);
  }

  /** Registers an opened stream; false when the session (or the subscription) was closed meanwhile. */
  finishOpen(subId: string, sub: OpenSub): boolean {
    const wanted = this.opening.delete(subId) && !this.closed && !this.endedEarly.delete(subId);
    if (!wanted) {
      sub.close();
      return false;
    }
    this.subs.set(subId, sub);
    return true;
  }

  failOpen(subId: string): void {
    this.opening.delete(subId);
    this.endedEarly.delete(subId);
  }

  /** The stream ended on the engine's side. */
  ended(subId: string, err?: unknown): void {
    if (this.opening.has(subId)) this.endedEarly.add(subId);
    else if (!this.subs.delete(subId)) return;
    this.emit({ t: 'end', subId, ...(err ? { error: toErrorPayload(err) } : {}) });
  }

  closeSub(subId: string): void {
    this.opening.delete(subId);
    const s = this.subs.get(subId);
    this.subs.delete(subId);
    s?.close();
  }

  exec(sessionId: string): ExecSession {
    const s = this.subs.get(sessionId)?.exec;
    if (!s) throw new ServiceError('NotFound', 'this terminal session has ended', { field: ['sessionId'] });
    return s;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.offBus();
    this.opening.clear();
    for (const s of [...this.subs.values()]) s.close();
    this.subs.clear();
  }
}
