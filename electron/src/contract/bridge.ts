/** What the preload (Electron) or the web client (browser) exposes to the renderer as `window.berth`. */
import type { ErrorPayload, Result } from './errors';
import type { EventChannel, EventMap, StreamArgs, StreamData, StreamOpen, StreamTopic } from './events';
import type { InvokeChannel, InvokeRequest, InvokeResponse } from './invoke';

export interface StreamHandlers<T extends StreamTopic> {
  data(payload: StreamData<T>): void;
  /** The stream is open (exec: the session id to send input to). */
  open?(info: StreamOpen<T>): void;
  /** The stream ended on its own; `error` says why when it failed. Not called after unsubscribing. */
  end?(error?: ErrorPayload): void;
}

export interface UploadFile {
  /** Relative path inside the context, with forward slashes. */
  path: string;
  data: ArrayBuffer;
  /** Unix permission bits (default 0644). */
  mode?: number;
}

export type UploadContent =
  { kind: 'tar'; name: string; data: ArrayBuffer } | { kind: 'files'; name: string; files: UploadFile[] };

export interface BerthBridge {
  readonly mode: 'electron' | 'web';
  /** Never rejects: a typed error comes back as `{ ok: false, error }`. */
  invoke<C extends InvokeChannel>(channel: C, req: InvokeRequest<C>): Promise<Result<InvokeResponse<C>>>;
  /** Returns the function that removes the listener. */
  on<E extends EventChannel>(event: E, listener: (payload: EventMap[E]) => void): () => void;
  /** Opens a stream; returns the function that closes it. */
  subscribe<T extends StreamTopic>(topic: T, args: StreamArgs<T>, handlers: StreamHandlers<T>): () => void;
  /** Sends a build context (a tar, or a folder's files packed into one); answers the id for `{ kind: 'upload' }`. */
  upload(content: UploadContent): Promise<Result<{ uploadId: string; size: number }>>;
  /**
   * Whether the service layer is reachable (web mode: the WebSocket; it reconnects by itself).
   * On a loss every open stream ends with an `Unavailable` error; subscribe again when it is back.
   */
  onConnection(listener: (connected: boolean) => void): () => void;
}

declare global {
  interface Window {
    berth: BerthBridge;
  }
}
