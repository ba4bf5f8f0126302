/**
 * Reads the engine's pull/push progress messages (JSON lines) into per-layer progress, the way the
 * docker CLI draws its bars, and fails on an `error` message (the engine reports pull errors in the
 * stream with a 200 status).
 */
import type { LayerProgress, TaskProgress } from '../contract/models/tasks';
import { ServiceError } from './errors';

export interface ProgressMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { Digest?: string; Tag?: string; ID?: string };
}

const DONE = /^(pull complete|already exists|pushed|layer already exists|mounted from)/i;
const DOWNLOADED = /^(download complete|verifying checksum|extracting|pull complete|already exists)/i;

interface LayerState extends LayerProgress {
  downloadTotal?: number;
}

export class ProgressTracker {
  private readonly layers = new Map<string, LayerState>();
  private status?: string;
  digest?: string;

  /** Apply one message; throws the engine's error when the message carries one. */
  apply(m: ProgressMessage): void {
    if (m.error || m.errorDetail?.message) {
      const message = m.errorDetail?.message ?? m.error ?? 'the engine reported an error';
      throw new ServiceError(classifyProgressError(message), message);
    }
    if (m.aux?.Digest) this.digest = m.aux.Digest;
    const status = m.status ?? '';
    const digest = /digest: (sha256:[0-9a-f]{64})/i.exec(status);
    if (digest) this.digest = digest[1];
    const isLayer = m.id !== undefined && /^[0-9a-f]{12,64}$/.test(m.id);
    if (!isLayer) {
      if (status) this.status = m.id && !status.includes(m.id) ? `${status} ${m.id}` : status;
      return;
    }
    const id = m.id!;
    const l: LayerState = this.layers.get(id) ?? { id, status, done: false };
    l.status = status;
    const cur = m.progressDetail?.current;
    const total = m.progressDetail?.total;
    if (total !== undefined && total > 0) {
      l.total = total;
      l.current = cur ?? 0;
      if (/^download|^pushing/i.test(status)) l.downloadTotal = total;
    }
    if (DOWNLOADED.test(status) && l.downloadTotal) l.current = l.total = l.downloadTotal;
    if (DONE.test(status)) {
      l.done = true;
      if (l.total) l.current = l.total;
    }
    this.layers.set(id, l);
  }

  snapshot(): TaskProgress {
    const layers = [...this.layers.values()].map(({ downloadTotal: _d, ...rest }) => rest);
    let sum = 0;
    let total = 0;
    for (const l of this.layers.values()) {
      const t = l.downloadTotal ?? l.total;
      if (!t) continue;
      total += t;
      sum += l.done || DOWNLOADED.test(l.status) ? t : Math.min(t, l.current ?? 0);
    }
    const p: TaskProgress = { layers };
    if (this.status) p.status = this.status;
    if (total > 0) p.percent = Math.round((sum / total) * 1000) / 10;
    else if (layers.length && layers.every((l) => l.done)) p.percent = 100;
    return p;
  }
}

function classifyProgressError(message: string): 'NotFound' | 'Unauthorized' | 'Unavailable' | 'Internal' {
  if (/not found|manifest unknown|does not exist|no such/i.test(message)) return 'NotFound';
  if (/unauthorized|authentication required|denied/i.test(message)) return 'Unauthorized';
  if (/connection refused|no such host|timeout|i\/o timeout|tls/i.test(message)) return 'Unavailable';
  return 'Internal';
}
