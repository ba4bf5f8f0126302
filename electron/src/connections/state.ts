/** Holds a connection's state and tells subscribers about changes. */
import type { ConnectionState } from './types';

export class StateHolder {
  private state: ConnectionState = { status: 'idle' };
  private readonly listeners = new Set<(s: ConnectionState) => void>();

  get current(): ConnectionState {
    return this.state;
  }

  set(next: ConnectionState): void {
    this.state = next;
    for (const l of [...this.listeners]) l(next);
  }

  subscribe(listener: (s: ConnectionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clear(): void {
    this.listeners.clear();
  }
}
