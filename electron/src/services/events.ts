/** Broadcasts the contract's events to every client (window or WebSocket) that listens. */
import type { EventChannel, EventMap } from '../contract/events';

export type EventListener = <E extends EventChannel>(name: E, payload: EventMap[E]) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  emit<E extends EventChannel>(name: E, payload: EventMap[E]): void {
    for (const l of [...this.listeners]) {
      try {
        l(name, payload);
      } catch (err) {
        // A failing client must not stop the others from hearing the event.
        console.error(`berth: event listener failed on ${name}:`, err);
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }
}
