/**
 * The engine's event bus: every module publishes here; /events subscribers get live events,
 * and recent history (a bounded ring, as dockerd keeps) serves `since`.
 */
import type { EngineEvent, EventType } from './types';

export type EventListener = (ev: EngineEvent) => void;

export class EventBus {
  private readonly ring: EngineEvent[] = [];
  private readonly listeners = new Set<EventListener>();
  private lastNano = 0n;

  constructor(private readonly capacity = 1024) {}

  /** Publish an event; the time is taken now, strictly increasing. */
  publish(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): EngineEvent {
    let nano = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
    if (nano <= this.lastNano) nano = this.lastNano + 1n;
    this.lastNano = nano;
    const ev: EngineEvent = {
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: 'local',
      time: Number(nano / 1_000_000_000n),
      timeNano: Number(nano),
    };
    this.ring.push(ev);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
    for (const l of [...this.listeners]) {
      try {
        l(ev);
      } catch {
        /* a broken subscriber must not break publishers */
      }
    }
    return ev;
  }

  /** Events with since < timeNano <= until (nanoseconds; undefined = open). */
  history(sinceNano?: bigint, untilNano?: bigint): EngineEvent[] {
    return this.ring.filter((e) => {
      const t = BigInt(e.timeNano);
      return (sinceNano === undefined || t > sinceNano) && (untilNano === undefined || t <= untilNano);
    });
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
