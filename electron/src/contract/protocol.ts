/**
 * The wire between a bridge (preload or web client) and the service layer. Electron carries it on
 * one invoke channel and one event channel; web mode on one WebSocket. Renderer code never sees it.
 */
import type { ErrorPayload, Result } from './errors';
import type { EventChannel, StreamTopic } from './events';

/** Channels the bridges use besides the InvokeMap (not callable through `berth.invoke`). */
export interface TransportInvokeMap {
  'stream:open': { req: { subId: string; topic: StreamTopic; args: unknown }; res: unknown };
  'stream:close': { req: { subId: string }; res: void };
  /** Electron only: an uploaded build context (web mode POSTs it over HTTP instead). */
  'upload:put': { req: { name: string; data: ArrayBuffer }; res: { uploadId: string; size: number } };
}

export type TransportChannel = keyof TransportInvokeMap;

export const IPC_INVOKE = 'berth:invoke';
export const IPC_EVENT = 'berth:event';

export type ServerFrame =
  | { t: 'event'; name: EventChannel; payload: unknown }
  | { t: 'data'; subId: string; payload: unknown }
  /** The stream ended on the service side (error when it failed). */
  | { t: 'end'; subId: string; error?: ErrorPayload };

/** Web mode: client → server. */
export interface WsInvoke {
  t: 'invoke';
  id: number;
  channel: string;
  req: unknown;
}

/** Web mode: server → client. */
export type WsServerMessage = ServerFrame | { t: 'result'; id: number; result: Result<unknown> };

/** Web mode paths (served on the same origin as the UI). */
export const WS_PATH = '/api/ws';
export const UPLOAD_PATH = '/api/upload';
export const TOKEN_HEADER = 'x-berth-token';
