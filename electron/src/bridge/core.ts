/**
 * The renderer-side half of the contract, shared by the preload (Electron) and the web client
 * (browser): it turns a transport (one invoke function, one frame listener) into `window.berth`.
 * No Node and no Electron here: it runs in the sandboxed preload and in a plain page.
 */
import type { ErrorPayload, Result } from '../contract/errors';
import type { EventChannel, EventMap, StreamTopic } from '../contract/events';
import type { BerthBridge, StreamHandlers, UploadContent } from '../contract/bridge';
import type { ServerFrame } from '../contract/protocol';
import { packTar } from './tar';

export interface Transport {
  readonly mode: 'electron' | 'web';
  /** Sends a call; resolves with the service's Result (transport failures resolve as Unavailable). */
  invoke(channel: string, req: unknown): Promise<Result<unknown>>;
  /** Delivers every frame the service sends to this client. */
  onFrame(listener: (frame: ServerFrame) => void): void;
  /** Sends an upload (web: HTTP POST; Electron: the invoke channel). */
  upload(name: string, data: ArrayBuffer): Promise<Result<{ uploadId: string; size: number }>>;
  onConnection(listener: (connected: boolean) => void): () => void;
}

interface Sub {
  data(payload: unknown): void;
  end(error?: ErrorPayload): void;
}

let counter = 0;
function newSubId(): string {
  const rand = globalThis.crypto?.randomUUID?.().replace(/-/g, '') ?? Math.random().toString(36).slice(2);
  return `s${(++counter).toString(36)}${rand.slice(0, 16)}`;
}

export function createBridge(t: Transport): BerthBridge {
  const listeners = new Map<EventChannel, Set<(p: unknown) => void>>();
  const subs = new Map<string, Sub>();

  t.onFrame((f) => {
    if (f.t === 'event') {
      for (const l of [...(listeners.get(f.name) ?? [])]) l(f.payload);
    } else if (f.t === 'data') {
      subs.get(f.subId)?.data(f.payload);
    } else if (f.t === 'end') {
      const s = subs.get(f.subId);
      subs.delete(f.subId);
      s?.end(f.error);
    }
  });
  t.onConnection((connected) => {
    if (connected) return;
    // The service side forgot our streams with the connection: end them so the UI can resubscribe.
    const lost: ErrorPayload = { code: 'Unavailable', message: 'the connection to Berth was lost' };
    for (const [id, s] of [...subs]) {
      subs.delete(id);
      s.end(lost);
    }
  });

  const bridge: BerthBridge = {
    mode: t.mode,
    invoke: (channel, req) => t.invoke(channel, req) as never,
    on<E extends EventChannel>(event: E, listener: (payload: EventMap[E]) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (p: unknown) => void;
      set.add(l);
      return () => void set.delete(l);
    },
    subscribe<T extends StreamTopic>(topic: T, args: unknown, handlers: StreamHandlers<T>) {
      const subId = newSubId();
      let active = true;
      subs.set(subId, {
        data: (p) => {
          if (active) handlers.data(p as never);
        },
        end: (e) => {
          if (!active) return;
          active = false;
          handlers.end?.(e);
        },
      });
      void t.invoke('stream:open', { subId, topic, args }).then((r) => {
        if (!active) {
          if (r.ok) void t.invoke('stream:close', { subId });
          return;
        }
        if (r.ok) handlers.open?.(r.value as never);
        else {
          subs.delete(subId);
          active = false;
          handlers.end?.(r.error);
        }
      });
      return () => {
        if (!active) return;
        active = false;
        subs.delete(subId);
        void t.invoke('stream:close', { subId });
      };
    },
    async upload(content: UploadContent) {
      const data = content.kind === 'tar' ? content.data : packTar(content.files);
      return t.upload(content.name, data);
    },
    onConnection: (l) => t.onConnection(l),
  };
  return bridge;
}
