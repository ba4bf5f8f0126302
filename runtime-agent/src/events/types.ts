/** Engine events as the Docker Engine API names them (GET /events). */
export type EventType = 'container' | 'image' | 'volume' | 'network' | 'daemon' | 'plugin' | 'builder';

export interface EngineEvent {
  Type: EventType;
  /** "create", "start", "die", "exec_start: sh -c …", "pull", "tag", "mount" … */
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  /** Unix seconds. */
  time: number;
  /** Unix nanoseconds. */
  timeNano: number;
}

/** The legacy top-level fields Docker still sends for container and image events. */
export interface WireEvent extends EngineEvent {
  status?: string;
  id?: string;
  from?: string;
}

export function toWire(ev: EngineEvent): WireEvent {
  if (ev.Type === 'container') {
    return { status: ev.Action, id: ev.Actor.ID, from: ev.Actor.Attributes.image ?? '', ...ev };
  }
  if (ev.Type === 'image') return { status: ev.Action, id: ev.Actor.ID, ...ev };
  return ev;
}
