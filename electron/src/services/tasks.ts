/**
 * Long operations (pull, push, build) as tasks: started at once, progress broadcast to every client
 * (throttled to ~10 updates a second per task), cancellable, awaitable. Finished tasks are kept for
 * a while so a window opened later still sees what happened.
 */
import crypto from 'node:crypto';
import type { BuildLogLine, TaskInfo, TaskKind, TaskProgress, TaskResult } from '../contract/models/tasks';
import { ServiceError, toErrorPayload } from './errors';
import type { EventBus } from './events';

export interface TaskContext {
  readonly signal: AbortSignal;
  progress(p: TaskProgress): void;
  log(lines: BuildLogLine[]): void;
}

interface Running {
  info: TaskInfo;
  abort: AbortController;
  done: Promise<TaskInfo>;
  timer?: NodeJS.Timeout;
  dirty: boolean;
}

export class TaskRegistry {
  private readonly tasks = new Map<string, Running>();

  constructor(
    private readonly bus: EventBus,
    private readonly opts: { keep?: number; throttleMs?: number } = {},
  ) {}

  start(
    kind: TaskKind,
    hostId: string,
    title: string,
    run: (ctx: TaskContext) => Promise<TaskResult | undefined>,
  ): TaskInfo {
    const info: TaskInfo = {
      id: crypto.randomUUID(),
      kind,
      hostId,
      title,
      state: 'running',
      startedAt: new Date().toISOString(),
      progress: { layers: [] },
    };
    const abort = new AbortController();
    const t: Running = { info, abort, dirty: false, done: Promise.resolve(info) };
    this.tasks.set(info.id, t);
    const ctx: TaskContext = {
      signal: abort.signal,
      progress: (p) => {
        if (info.state !== 'running') return;
        info.progress = p;
        this.scheduleUpdate(t);
      },
      log: (lines) => {
        if (lines.length) this.bus.emit('tasks:log', { taskId: info.id, lines });
      },
    };
    this.bus.emit('tasks:update', { ...info });
    t.done = (async () => {
      try {
        const result = await run(ctx);
        if (abort.signal.aborted) throw new ServiceError('Cancelled', 'cancelled');
        info.state = 'succeeded';
        if (result) info.result = result;
      } catch (err) {
        info.state = abort.signal.aborted ? 'cancelled' : 'failed';
        info.error = abort.signal.aborted
          ? { code: 'Cancelled', message: 'cancelled' }
          : toErrorPayload(err, { hostId });
      }
      info.finishedAt = new Date().toISOString();
      if (t.timer) clearTimeout(t.timer);
      t.timer = undefined;
      this.bus.emit('tasks:update', { ...info });
      this.trim();
      return { ...info };
    })();
    return { ...info };
  }

  list(): TaskInfo[] {
    return [...this.tasks.values()].map((t) => ({ ...t.info }));
  }

  get(id: string): TaskInfo {
    return { ...this.task(id).info };
  }

  wait(id: string): Promise<TaskInfo> {
    return this.task(id).done;
  }

  cancel(id: string): TaskInfo {
    const t = this.task(id);
    if (t.info.state === 'running') t.abort.abort();
    return { ...t.info };
  }

  /** Cancel everything still running and wait for it to stop. */
  async dispose(): Promise<void> {
    const running = [...this.tasks.values()].filter((t) => t.info.state === 'running');
    running.forEach((t) => t.abort.abort());
    await Promise.allSettled(running.map((t) => t.done));
  }

  private task(id: string): Running {
    const t = this.tasks.get(id);
    if (!t) throw new ServiceError('NotFound', `no task with id "${id}"`, { field: ['taskId'] });
    return t;
  }

  private scheduleUpdate(t: Running): void {
    t.dirty = true;
    if (t.timer) return;
    t.timer = setTimeout(() => {
      t.timer = undefined;
      if (t.dirty && t.info.state === 'running') this.bus.emit('tasks:update', { ...t.info });
      t.dirty = false;
    }, this.opts.throttleMs ?? 100);
  }

  private trim(): void {
    const keep = this.opts.keep ?? 100;
    const finished = [...this.tasks.values()].filter((t) => t.info.state !== 'running');
    for (const t of finished.slice(0, Math.max(0, finished.length - keep))) this.tasks.delete(t.info.id);
  }
}
