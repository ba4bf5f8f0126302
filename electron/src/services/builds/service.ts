/**
 * Image builds: the context (a folder, a tar, or an upload) is streamed to the engine's classic
 * build API; the output goes live to the UI as task log events and into the build history with
 * its steps, cache hits, duration and result.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type Dockerode from 'dockerode';
import type { BuildRecord, BuildRequest } from '../../contract/models/builds';
import type { TaskResult } from '../../contract/models/tasks';
import type { EventBus } from '../events';
import type { HostManager } from '../hosts/manager';
import { readJsonLines } from '../streams/json-lines';
import type { TaskContext, TaskRegistry } from '../tasks';
import type { UploadStore } from '../uploads';
import { ServiceError } from '../errors';
import { openPathContext, type OpenedContext } from './context';
import type { BuildHistory } from './history';
import { BuildOutput, type BuildMessage } from './parse';

export class BuildService {
  constructor(
    private readonly hosts: HostManager,
    private readonly tasks: TaskRegistry,
    private readonly uploads: UploadStore,
    readonly history: BuildHistory,
    private readonly bus: EventBus,
  ) {}

  async start(req: BuildRequest): Promise<{ taskId: string; buildId: string }> {
    this.hosts.docker(req.hostId); // fail now when the host is not connected
    const dockerfile = req.dockerfile ?? 'Dockerfile';
    const ctx = await this.openContext(req, dockerfile);
    const buildId = crypto.randomUUID();
    const tags = req.tags ?? [];
    const title = `Build ${tags[0] ?? ctx.label}`;
    const task = this.tasks.start('build', req.hostId, title, async (t) => {
      try {
        return await this.run(req, dockerfile, ctx, buildId, t);
      } finally {
        ctx.release();
      }
    });
    const record: BuildRecord = {
      id: buildId,
      hostId: req.hostId,
      taskId: task.id,
      contextLabel: ctx.label,
      dockerfile,
      tags,
      noCache: req.noCache ?? false,
      buildArgs: req.buildArgs ?? {},
      startedAt: task.startedAt,
      result: 'running',
      steps: 0,
      cachedSteps: 0,
      ...(req.target ? { target: req.target } : {}),
    };
    this.history.add(record);
    this.bus.emit('builds:update', { ...record });
    void this.tasks.wait(task.id).then((done) => {
      const finished = Date.now();
      const patch: Partial<BuildRecord> = {
        result: done.state === 'running' ? 'failed' : done.state,
        finishedAt: new Date(finished).toISOString(),
        durationMs: finished - Date.parse(task.startedAt),
      };
      if (done.result?.imageId) patch.imageId = done.result.imageId;
      if (done.error) patch.error = done.error;
      this.bus.emit('builds:update', this.history.update(buildId, patch));
    });
    return { taskId: task.id, buildId };
  }

  private async openContext(req: BuildRequest, dockerfile: string): Promise<OpenedContext> {
    if (req.context.kind === 'path') return openPathContext(req.context.path, dockerfile);
    const up = this.uploads.take(req.context.uploadId);
    return { stream: fs.createReadStream(up.file), label: up.name, release: up.release };
  }

  private async run(
    req: BuildRequest,
    dockerfile: string,
    ctx: OpenedContext,
    buildId: string,
    t: TaskContext,
  ): Promise<TaskResult> {
    const out = new BuildOutput();
    const opts: Record<string, unknown> = {
      dockerfile,
      ...(req.tags?.length ? { t: req.tags } : {}),
      ...(req.buildArgs && Object.keys(req.buildArgs).length ? { buildargs: req.buildArgs } : {}),
      ...(req.target ? { target: req.target } : {}),
      ...(req.noCache ? { nocache: true } : {}),
      ...(req.pull ? { pull: true } : {}),
      ...(req.labels ? { labels: req.labels } : {}),
      ...(req.platform ? { platform: req.platform } : {}),
      rm: true,
      abortSignal: t.signal,
    };
    const stream = (await this.hosts.call(req.hostId, (d) =>
      d.buildImage(ctx.stream as unknown as NodeJS.ReadableStream, opts as Dockerode.ImageBuildOptions),
    )) as NodeJS.ReadableStream;
    const emit = (lines: ReturnType<BuildOutput['apply']>): void => {
      if (!lines.length) return;
      this.history.appendLog(buildId, lines);
      t.log(lines);
      t.progress({ layers: [], status: out.steps ? `Step ${out.step}/${out.steps}` : 'Building' });
    };
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const stop = readJsonLines(stream, {
        object: (o) => {
          try {
            emit(out.apply(o as BuildMessage));
          } catch (err) {
            failed = true;
            emit([{ text: (err as Error).message, stream: 'stderr', ...(out.step ? { step: out.step } : {}) }]);
            stop();
            reject(err);
          }
        },
        end: (err) => {
          if (failed) return;
          emit(out.flush());
          if (err) reject(err);
          else resolve();
        },
      });
      const onAbort = (): void => {
        failed = true;
        stop();
        reject(new ServiceError('Cancelled', 'the build was cancelled'));
      };
      if (t.signal.aborted) onAbort();
      else t.signal.addEventListener('abort', onAbort, { once: true });
    });
    this.bus.emit('builds:update', this.history.update(buildId, { steps: out.steps, cachedSteps: out.cached.size }));
    return { buildId, ...(out.imageId ? { imageId: out.imageId } : {}) };
  }
}
