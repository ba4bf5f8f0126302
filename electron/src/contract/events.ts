/**
 * Push from the service layer to the renderer.
 * - EventMap: broadcast to every window (state changes, task progress, prompts).
 * - StreamMap: per-subscriber streams opened with `berth.subscribe(topic, args, …)`; the service
 *   layer shares one engine stream between subscribers (ref-counted) and closes it with the last
 *   one, or when the window goes away. Nothing is polled: engine events come from its /events
 *   stream, stats only for what the UI shows.
 */
import type { BuildRecord } from './models/builds';
import type { ExecEvent, ExecSpec, LogEntry, LogsQuery, StatsSample } from './models/containers';
import type { EngineState } from './models/engine';
import type { HostSummary, PromptRequest } from './models/hosts';
import type { EngineEvent } from './models/storage';
import type { TaskInfo, TaskLog } from './models/tasks';

export interface EventMap {
  /** One host changed state (connecting, connected, failed …). */
  'hosts:state': HostSummary;
  /** The host list changed (added, edited, removed). */
  'hosts:changed': HostSummary[];
  'prompts:request': PromptRequest;
  /** A prompt was answered (maybe in another window) or withdrawn. */
  'prompts:resolved': { id: string };
  'engine:state': EngineState;
  'tasks:update': TaskInfo;
  'tasks:log': TaskLog;
  'builds:update': BuildRecord;
}

export type EventChannel = keyof EventMap;

export type EngineEventFrame =
  | { kind: 'event'; event: EngineEvent }
  /** The stream was re-opened after a gap: refetch the lists. */
  | { kind: 'resync'; reason: string };

export interface StreamMap {
  /** The engine's events of one host. */
  'engine:events': { args: { hostId: string }; data: EngineEventFrame; open: Record<string, never> };
  /** Stats of one container, about one sample a second. */
  'containers:stats': { args: { hostId: string; id: string }; data: StatsSample; open: Record<string, never> };
  /** Follow a container's logs: batches of entries (the backlog first, per `tail`/`since`). */
  'containers:logs': { args: LogsQuery; data: LogEntry[]; open: { tty: boolean } };
  /** An exec session (a terminal): send input with `exec:input`, resize with `exec:resize`. */
  exec: { args: ExecSpec; data: ExecEvent; open: { execId: string; sessionId: string } };
}

export type StreamTopic = keyof StreamMap;
export type StreamArgs<T extends StreamTopic> = StreamMap[T]['args'];
export type StreamData<T extends StreamTopic> = StreamMap[T]['data'];
export type StreamOpen<T extends StreamTopic> = StreamMap[T]['open'];
