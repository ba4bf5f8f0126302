/**
 * Runs layer unpacks: in a small pool of worker threads when the agent runs from its bundle
 * (dist/agent/unpack-worker.cjs beside berthd.cjs), inline otherwise (tests from source). Idle
 * workers exit after a few seconds; close() ends them all.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { lazyWorkerThreads } from './lazy';
import { applyTarFile, type ApplyProgress, type ApplyRequest, type ApplyResult } from './apply';
import { deserializeError, serializeError, type WireError } from './worker-errors';

export interface Applier {
  apply(req: ApplyRequest, onProgress?: ApplyProgress): Promise<ApplyResult>;
  /** Start up to `n` workers ahead of time (a pull calls this while it downloads). */
  warm?(n: number): void;
  close(): Promise<void>;
}

function context(req: ApplyRequest): string {
  return `unpacking into ${req.dest}`;
}

export class InlineApplier implements Applier {
  async apply(req: ApplyRequest, onProgress?: ApplyProgress): Promise<ApplyResult> {
    try {
      return await applyTarFile(req, onProgress);
    } catch (err) {
      throw deserializeError(serializeError(err), context(req));
    }
  }
  async close(): Promise<void> {}
}

type Msg =
  | { id: number; type: 'progress'; read: number; total: number }
  | { id: number; type: 'done'; result: ApplyResult }
  | { id: number; type: 'error'; error: WireError };

interface Slot {
  worker: Worker;
  busy: boolean;
  idleTimer?: NodeJS.Timeout | undefined;
}

interface Pending {
  req: ApplyRequest;
  onProgress?: ApplyProgress | undefined;
  resolve: (r: ApplyResult) => void;
  reject: (e: Error) => void;
}

export class WorkerPoolApplier implements Applier {
  private readonly slots = new Set<Slot>();
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly workerFile: string,
    private readonly size = Math.max(1, Math.min(4, os.availableParallelism())),
    private readonly idleMs = 5000,
  ) {}

  apply(req: ApplyRequest, onProgress?: ApplyProgress): Promise<ApplyResult> {
    if (this.closed) return Promise.reject(new Error('unpacker is shut down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ req, onProgress, resolve, reject });
      this.pump();
    });
  }

  warm(n: number): void {
    if (this.closed) return;
    while (this.slots.size < Math.min(n, this.size)) {
      const slot: Slot = { worker: new (lazyWorkerThreads().Worker)(this.workerFile), busy: false };
      this.slots.add(slot);
      this.idle(slot);
    }
  }

  private idle(slot: Slot): void {
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      this.slots.delete(slot);
      void slot.worker.terminate();
    }, this.idleMs);
    slot.idleTimer.unref();
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = [...this.slots].find((s) => !s.busy);
      if (!slot) {
        if (this.slots.size >= this.size) return;
        slot = { worker: new (lazyWorkerThreads().Worker)(this.workerFile), busy: false };
        this.slots.add(slot);
      }
      this.run(slot, this.queue.shift()!);
    }
  }

  private run(slot: Slot, job: Pending): void {
    slot.busy = true;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    const id = this.nextId++;
    const w = slot.worker;
    const cleanup = (): void => {
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
    };
    const finish = (): void => {
      cleanup();
      slot.busy = false;
      if (!this.closed) this.idle(slot);
      this.pump();
    };
    const onMessage = (m: Msg): void => {
      if (m.id !== id) return;
      if (m.type === 'progress') job.onProgress?.(m.read, m.total);
      else if (m.type === 'done') {
        finish();
        job.resolve(m.result);
      } else {
        finish();
        job.reject(deserializeError(m.error, context(job.req)));
      }
    };
    const onError = (err: Error): void => {
      cleanup();
      this.slots.delete(slot);
      job.reject(deserializeError(serializeError(err), context(job.req)));
      this.pump();
    };
    const onExit = (code: number): void => onError(new Error(`unpack worker exited with code ${code}`));
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
    w.postMessage({ id, req: job.req });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('unpacker is shut down'));
    const all = [...this.slots];
    this.slots.clear();
    for (const s of all) if (s.idleTimer) clearTimeout(s.idleTimer);
    await Promise.all(all.map((s) => s.worker.terminate()));
  }
}

/** The bundled worker beside the running agent, if any. */
export function bundledWorkerFile(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const f = path.join(here, 'unpack-worker.cjs');
  return fs.existsSync(f) ? f : undefined;
}

export function createApplier(): Applier {
  const f = bundledWorkerFile();
  return f ? new WorkerPoolApplier(f) : new InlineApplier();
}
