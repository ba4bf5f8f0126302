/**
 * Progress of image operations, per layer (bytes done / total), as plain events for the API and
 * the UI, and their rendering as Docker's JSON-lines messages (`{"status","id","progressDetail",
 * "progress"}`) exactly as the docker CLI expects them.
 */

export type LayerStatus =
  | 'Pulling fs layer'
  | 'Waiting'
  | 'Downloading'
  | 'Verifying Checksum'
  | 'Download complete'
  | 'Extracting'
  | 'Pull complete'
  | 'Already exists'
  | 'Preparing'
  | 'Pushing'
  | 'Pushed'
  | 'Layer already exists'
  | 'Loading layer';

export type ProgressEvent =
  /** A message line, optionally about an id (e.g. "latest: Pulling from library/busybox"). */
  | { kind: 'status'; status: string; id?: string | undefined }
  | {
      kind: 'layer';
      /** Short (12-hex) layer id. */
      id: string;
      status: LayerStatus | string;
      current?: number | undefined;
      total?: number | undefined;
    }
  /** Auxiliary data (push result: Tag, Digest, Size). */
  | { kind: 'aux'; aux: Record<string, unknown> };

export type ProgressSink = (e: ProgressEvent) => void;

export const noProgress: ProgressSink = () => undefined;

/** Per-layer byte progress throttled to one event per interval (plus the last one). */
export function throttledBytes(
  sink: ProgressSink,
  id: string,
  status: LayerStatus | string,
  total: number | undefined,
  intervalMs = 100,
): (current: number) => void {
  let last = 0;
  return (current) => {
    const now = Date.now();
    if (now - last < intervalMs && current !== total) return;
    last = now;
    sink({ kind: 'layer', id, status, current, total });
  };
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Docker's units.HumanSize (decimal, 3-4 significant digits): "1.23MB". */
export function humanSize(n: number): string {
  let v = n;
  let i = 0;
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(4))}${UNITS[i]}`;
}

/** The text bar Docker puts in "progress": "[=====>     ]  1.23MB/4.56MB". */
export function progressBar(current: number, total: number | undefined, width = 50): string {
  if (!total || total <= 0) return humanSize(current);
  const pct = Math.min(1, Math.max(0, current / total));
  const filled = Math.floor(pct * width);
  const bar = filled >= width ? '='.repeat(width) : '='.repeat(filled) + '>' + ' '.repeat(width - filled - 1);
  return `[${bar}] ${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

export interface JsonMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  aux?: Record<string, unknown>;
  error?: string;
  errorDetail?: { message: string };
  stream?: string;
}

export function toJsonMessage(e: ProgressEvent): JsonMessage {
  if (e.kind === 'aux') return { progressDetail: {}, aux: e.aux };
  if (e.kind === 'status') return e.id ? { status: e.status, id: e.id } : { status: e.status };
  const m: JsonMessage = { status: e.status, progressDetail: {}, id: e.id };
  if (e.current !== undefined) {
    m.progressDetail = e.total !== undefined ? { current: e.current, total: e.total } : { current: e.current };
    m.progress = progressBar(e.current, e.total);
  }
  return m;
}

export function errorMessageLine(message: string): JsonMessage {
  return { errorDetail: { message }, error: message };
}
