/**
 * Long operations (pull, push, build) run as tasks: the invoke returns a task id at once, progress
 * goes to every window as `tasks:update` / `tasks:log` events, and `tasks:wait` resolves with the end.
 * A task survives the window that started it (as a pull in Docker Desktop does).
 */
import type { ErrorPayload } from '../errors';

export type TaskKind = 'pull' | 'push' | 'build';
export type TaskState = 'running' | 'succeeded' | 'failed' | 'cancelled';

/** One layer of a pull or push, as the engine reports it. */
export interface LayerProgress {
  id: string;
  /** "Waiting", "Downloading", "Extracting", "Pull complete", "Pushed", "Already exists" … */
  status: string;
  current?: number;
  total?: number;
  done: boolean;
}

export interface TaskProgress {
  /** The last overall status line ("Pulling from library/busybox", "Digest: …"). */
  status?: string;
  layers: LayerProgress[];
  /** 0..100 over the layers whose size is known. */
  percent?: number;
}

export interface TaskInfo {
  id: string;
  kind: TaskKind;
  hostId: string;
  /** e.g. "Pull busybox:latest". */
  title: string;
  state: TaskState;
  startedAt: string;
  finishedAt?: string;
  progress: TaskProgress;
  error?: ErrorPayload;
  result?: TaskResult;
}

export interface TaskResult {
  /** pull/build: the image id; push: the pushed digest. */
  imageId?: string;
  digest?: string;
  buildId?: string;
}

export interface TaskLog {
  taskId: string;
  lines: BuildLogLine[];
}

/** One line of a build's output, with the step it belongs to and whether that step hit the cache. */
export interface BuildLogLine {
  text: string;
  stream: 'stdout' | 'stderr' | 'status';
  /** 1-based step number, when the line belongs to a step. */
  step?: number;
  cached?: boolean;
}
