/**
 * The one contract between the desktop app's main process (or the web-mode server) and the
 * renderer: an invoke map (request → response) and an event map (streams). Types only: main,
 * preload, web server and renderer all import it; nothing here runs.
 */
export interface HostSummary {
  id: string;
  name: string;
  kind: 'local' | 'ssh' | 'wsl';
  state: 'connecting' | 'connected' | 'disconnected' | 'failed';
}

export interface InvokeMap {
  'app:info': { req: Record<string, never>; res: { version: string; mode: 'electron' | 'web' } };
}

export interface EventMap {
  'host:state': HostSummary;
}

export type InvokeChannel = keyof InvokeMap;
export type EventChannel = keyof EventMap;

/** What the preload (or the web-mode client) exposes to the renderer as `window.berth`. */
export interface BerthBridge {
  invoke<C extends InvokeChannel>(channel: C, req: InvokeMap[C]['req']): Promise<InvokeMap[C]['res']>;
  on<E extends EventChannel>(event: E, listener: (payload: EventMap[E]) => void): () => void;
}
