/** Image builds from a Dockerfile: the request and the history. */
import type { ErrorPayload } from '../errors';

/**
 * The build context: a folder or a tar (optionally gzip) on the machine the service runs on
 * (Electron: picked with `dialog:openPath`), or an upload (web mode: the browser sends a folder or
 * a tar with `berth.upload`, which answers an upload id).
 */
export type BuildContext = { kind: 'path'; path: string } | { kind: 'upload'; uploadId: string };

export interface BuildRequest {
  hostId: string;
  context: BuildContext;
  /** Path of the Dockerfile inside the context (default "Dockerfile"). */
  dockerfile?: string;
  tags?: string[];
  buildArgs?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  /** Always try to pull a newer version of the base images. */
  pull?: boolean;
  labels?: Record<string, string>;
  platform?: string;
}

export type BuildResult = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface BuildRecord {
  id: string;
  hostId: string;
  taskId: string;
  /** Folder or upload name, for the history list. */
  contextLabel: string;
  dockerfile: string;
  tags: string[];
  target?: string;
  noCache: boolean;
  buildArgs: Record<string, string>;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  result: BuildResult;
  imageId?: string;
  error?: ErrorPayload;
  steps: number;
  cachedSteps: number;
}
