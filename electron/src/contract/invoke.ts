/**
 * The invoke map: every request the renderer can make, with its response. Every request that acts
 * on an engine names its host (`hostId`). Long operations (pull, push, build) answer a task id at
 * once; their progress arrives as events and `tasks:wait` resolves when they end.
 */
import type { BuildRecord, BuildRequest } from './models/builds';
import type {
  BulkResult,
  ContainerAction,
  ContainerDetail,
  ContainerSummary,
  LogEntry,
  LogsQuery,
  ProcessList,
  RunSpec,
} from './models/containers';
import type { EngineSettings, EngineState } from './models/engine';
import type { HostInfo, HostSpec, HostSummary, PromptAnswer, PromptRequest } from './models/hosts';
import type {
  ImageDetail,
  ImageHistoryEntry,
  ImageSummary,
  NetworkCreate,
  NetworkSummary,
  PruneReport,
  RegistryAuth,
  VolumeCreate,
  VolumeSummary,
} from './models/storage';
import type { BuildLogLine, TaskInfo } from './models/tasks';

type Empty = Record<string, never>;
/** Flattens an intersection into one object type (so requests read as plain objects). */
type Flat<T> = { [K in keyof T]: T[K] };
type OnHost<T = unknown> = Flat<{ hostId: string } & T>;
type ById<T = unknown> = Flat<{ hostId: string; id: string } & T>;
type Req<Q, S> = { req: Q; res: S };

export interface InvokeMap {
  // app
  'app:info': Req<Empty, { version: string; mode: 'electron' | 'web'; platform: string; arch: string }>;
  /** Electron: a native picker for a build context folder or tar. Web mode: Unavailable (use berth.upload). */
  'dialog:openPath': Req<{ kind: 'directory' | 'file'; title?: string }, { path?: string }>;

  // hosts
  'hosts:list': Req<Empty, HostSummary[]>;
  'hosts:add': Req<{ spec: HostSpec }, HostSummary>;
  'hosts:update': Req<{ id: string; spec: HostSpec }, HostSummary>;
  'hosts:remove': Req<{ id: string }, void>;
  /** Resolves when the engine answers, or fails with a typed error (the host's state says why too). */
  'hosts:connect': Req<{ id: string }, HostSummary>;
  'hosts:disconnect': Req<{ id: string }, HostSummary>;
  'hosts:info': Req<OnHost, HostInfo>;
  'prompts:list': Req<Empty, PromptRequest[]>;
  'prompts:answer': Req<{ id: string; answer: PromptAnswer }, void>;

  // the local engine supervisor
  'engine:state': Req<Empty, EngineState>;
  'engine:start': Req<Empty, EngineState>;
  'engine:stop': Req<Empty, EngineState>;
  'engine:restart': Req<Empty, EngineState>;
  'engine:logs': Req<{ lines?: number }, string[]>;
  'engine:settings': Req<Empty, EngineSettings>;
  'engine:configure': Req<{ settings: EngineSettings }, EngineState>;

  // containers (the list includes stopped containers unless all: false)
  'containers:list': Req<OnHost<{ all?: boolean; filters?: Record<string, string[]> }>, ContainerSummary[]>;
  'containers:inspect': Req<ById, ContainerDetail>;
  /** Create (and with start: true, run) a container; with pull: 'missing' the image is pulled first. */
  'containers:create': Req<
    OnHost<{ spec: RunSpec; start?: boolean; pull?: 'missing' | 'never' }>,
    { id: string; warnings: string[]; started: boolean }
  >;
  'containers:start': Req<ById, void>;
  'containers:stop': Req<ById<{ timeoutSeconds?: number }>, void>;
  'containers:restart': Req<ById<{ timeoutSeconds?: number }>, void>;
  'containers:pause': Req<ById, void>;
  'containers:unpause': Req<ById, void>;
  'containers:kill': Req<ById<{ signal?: string }>, void>;
  'containers:remove': Req<ById<{ force?: boolean; volumes?: boolean }>, void>;
  'containers:bulk': Req<OnHost<{ action: ContainerAction; ids: string[]; force?: boolean }>, BulkResult[]>;
  'containers:rename': Req<ById<{ name: string }>, void>;
  'containers:logs': Req<LogsQuery, LogEntry[]>;
  'containers:top': Req<ById<{ psArgs?: string }>, ProcessList>;
  'containers:prune': Req<OnHost, PruneReport>;
  /** Input for an exec session opened with the 'exec' stream (the id is the subscription id). */
  'exec:input': Req<{ sessionId: string; data: string }, void>;
  'exec:resize': Req<{ sessionId: string; cols: number; rows: number }, void>;

  // images
  'images:list': Req<OnHost<{ all?: boolean }>, ImageSummary[]>;
  'images:inspect': Req<ById, ImageDetail>;
  'images:history': Req<ById, ImageHistoryEntry[]>;
  'images:pull': Req<OnHost<{ ref: string; platform?: string; auth?: RegistryAuth }>, { taskId: string }>;
  'images:push': Req<OnHost<{ ref: string; auth?: RegistryAuth }>, { taskId: string }>;
  'images:tag': Req<ById<{ repo: string; tag?: string }>, void>;
  'images:remove': Req<ById<{ force?: boolean; noPrune?: boolean }>, string[]>;
  'images:prune': Req<OnHost<{ dangling?: boolean }>, PruneReport>;

  // builds
  'builds:start': Req<BuildRequest, { taskId: string; buildId: string }>;
  'builds:list': Req<{ hostId?: string }, BuildRecord[]>;
  'builds:log': Req<{ buildId: string }, BuildLogLine[]>;
  'builds:clear': Req<{ hostId?: string }, void>;

  // volumes
  'volumes:list': Req<OnHost, VolumeSummary[]>;
  'volumes:create': Req<OnHost<{ spec: VolumeCreate }>, VolumeSummary>;
  'volumes:inspect': Req<OnHost<{ name: string }>, VolumeSummary>;
  'volumes:remove': Req<OnHost<{ name: string; force?: boolean }>, void>;
  'volumes:prune': Req<OnHost, PruneReport>;

  // networks
  'networks:list': Req<OnHost, NetworkSummary[]>;
  'networks:create': Req<OnHost<{ spec: NetworkCreate }>, NetworkSummary>;
  'networks:inspect': Req<ById, NetworkSummary>;
  'networks:remove': Req<ById, void>;
  'networks:prune': Req<OnHost, PruneReport>;
  'networks:connect': Req<ById<{ containerId: string; aliases?: string[] }>, void>;
  'networks:disconnect': Req<ById<{ containerId: string; force?: boolean }>, void>;

  // tasks
  'tasks:list': Req<Empty, TaskInfo[]>;
  'tasks:wait': Req<{ taskId: string }, TaskInfo>;
  'tasks:cancel': Req<{ taskId: string }, TaskInfo>;
}

export type InvokeChannel = keyof InvokeMap;
export type InvokeRequest<C extends InvokeChannel> = InvokeMap[C]['req'];
export type InvokeResponse<C extends InvokeChannel> = InvokeMap[C]['res'];
