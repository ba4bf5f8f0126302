/**
 * The engine's containers: Docker's model (Config, HostConfig, volumes, networks, health,
 * events) on top of the runtime, images, volumes and network modules. Implements the container
 * and exec routes' backends.
 */
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Filters } from '../api/query';
import type {
  AttachOptions,
  ContainersBackend,
  LogOptions,
  StdioSession,
  WaitCondition,
  WaitResult,
} from '../api/routes/containers/backend';
import type { ExecBackend, ExecCreateRequest } from '../api/routes/exec/backend';
import type { ContainerSource } from '../network/containers';
import type { ContainerEvent } from '../runtime/events';
import { parseSignal } from '../runtime/spec/signals';
import type { ContainerRecord } from '../runtime/state';
import { renameContainer, updateContainer } from '../runtime/update';
import { createContainer } from './create';
import type { ServiceDeps } from './deps';
import type { CreateRequest } from './docker-types';
import { inspectJson, listSubject } from './docker-json';
import { loadEngineRecord, saveEngineRecord, type EngineRecord } from './engine-record';
import { ContainerFiles } from './files-backend';
import { HealthRunner } from './health-runner';
import { filterContainers, summarize } from './list';
import { statsStream } from './stats-stream';
import { ExecRegistry, attachContainer, readLogs } from './stdio-backend';
import { parseUpdate } from './update-request';
import { duBytes } from '../util/du';
import { pruneContainers } from './prune';

export class ContainerService implements ContainersBackend {
  private readonly engines = new Map<string, EngineRecord>();
  private readonly removeVolumes = new Set<string>();
  readonly files: ContainerFiles;
  readonly execs: ExecRegistry;
  readonly health: HealthRunner;

  constructor(private readonly d: ServiceDeps) {
    this.files = new ContainerFiles(d.runtime, d.views, d.images);
    this.execs = new ExecRegistry(d.runtime);
    this.health = new HealthRunner(d.runtime, (id, status) => {
      const rec = this.d.runtime.containers.get(id)?.rec;
      this.d.events.publish('container', `health_status: ${status}`, id, rec ? this.attrs(rec) : {});
    });
  }

  /** Load engine records, forward runtime events, restart health checks of running containers. */
  init(): void {
    const rt = this.d.runtime;
    for (const rec of rt.list(true)) {
      const eng = loadEngineRecord(rt.dir(rec.id));
      if (eng) this.engines.set(rec.id, eng);
      if (rec.state.status === 'running') this.health.start(rec.id, eng);
    }
    rt.on('event', (e) => this.onRuntimeEvent(e));
    this.d.images.setUsageChecker((imageId) =>
      rt
        .list(true)
        .filter((r) => r.imageId === imageId)
        .map((r) => ({ id: r.id, running: r.state.status === 'running' || r.state.status === 'paused' })),
    );
    this.d.images.setContainerResolver(async (ref) => {
      let rec: ContainerRecord;
      try {
        rec = rt.inspect(ref);
      } catch {
        return undefined;
      }
      const eng = this.engines.get(rec.id);
      return {
        id: rec.id,
        upperDir: path.join(rt.dir(rec.id), 'rootfs', 'upper'),
        imageId: rec.imageId as `sha256:${string}`,
        ...(eng ? { config: this.commitConfig(rec) } : {}),
        pause: async () => {
          const was = rt.inspect(rec.id).state.status;
          if (was !== 'running') return async () => undefined;
          await rt.pause(rec.id);
          return async () => rt.unpause(rec.id).catch(() => undefined);
        },
      };
    });
    this.d.volumes.setUsage({
      usersOf: (name) =>
        [...this.engines.entries()].filter(([, e]) => e.mounts.some((m) => m.Name === name)).map(([id]) => id),
    });
  }

  close(): void {
    this.health.closeAll();
  }

  /** For the network module: containers by name or id, with their namespace while running. */
  containerSource(): ContainerSource {
    const rt = this.d.runtime;
    const ref = (rec: ContainerRecord): ReturnType<ContainerSource['list']>[number] => {
      const running = rec.state.status === 'running' || rec.state.status === 'paused';
      return { id: rec.id, name: rec.name, running, ...(running ? { netns: { pid: rec.state.pid } } : {}) };
    };
    return {
      find: (idOrName) => {
        try {
          return ref(rt.inspect(idOrName));
        } catch {
          return undefined;
        }
      },
      list: () => rt.list(true).map(ref),
    };
  }

  engine(id: string): EngineRecord | undefined {
    return this.engines.get(id);
  }

  private attrs(rec: ContainerRecord): Record<string, string> {
    return { ...rec.spec.labels, image: rec.image, name: rec.name };
  }

  private commitConfig(
    rec: ContainerRecord,
  ): NonNullable<Awaited<ReturnType<Parameters<ServiceDeps['images']['setContainerResolver']>[0]>>>['config'] {
    return {
      Env: rec.spec.env,
      Cmd: rec.spec.cmd,
      Entrypoint: rec.spec.entrypoint.length ? rec.spec.entrypoint : null,
      WorkingDir: rec.spec.workingDir,
      User: rec.spec.user,
      Labels: rec.spec.labels,
      ExposedPorts: {
        ...(this.engines.get(rec.id)?.imageConfig.ExposedPorts ?? {}),
        ...(this.engines.get(rec.id)?.config.ExposedPorts ?? {}),
      },
    };
  }

  private onRuntimeEvent(e: ContainerEvent): void {
    let action: string = e.action;
    const attrs = { ...e.attributes };
    if (action.startsWith('exec_')) {
      let cmd = attrs.exec;
      if (!cmd && attrs.execID) {
        try {
          cmd = this.d.runtime.exec.inspect(attrs.execID).opts.cmd.join(' ');
        } catch {
          /* forgotten */
        }
      }
      delete attrs.exec;
      if (cmd) action = `${action}: ${cmd}`;
    }
    this.d.events.publish('container', action, e.id, attrs);
    if (e.action === 'start') this.health.start(e.id, this.engines.get(e.id));
    else if (e.action === 'die') this.health.stop(e.id);
    else if (e.action === 'destroy') this.onDestroyed(e.id);
  }

  private onDestroyed(id: string): void {
    const eng = this.engines.get(id);
    this.engines.delete(id);
    this.execs.forget(id);
    this.health.forget(id);
    if (!eng) return;
    for (const m of eng.mounts) if (m.Name) this.d.volumes.release(m.Name, id);
    if (this.removeVolumes.delete(id) || eng.hostConfig.AutoRemove) {
      for (const v of eng.anonymousVolumes) {
        try {
          this.d.volumes.remove(v, true);
        } catch (err) {
          this.d.log.warn('removing an anonymous volume failed', { volume: v, error: err });
        }
      }
    }
  }

  // ---- ContainersBackend ---------------------------------------------------------------------

  async create(req: CreateRequest): Promise<{ Id: string; Warnings: string[] }> {
    const res = await createContainer(this.d, req);
    const eng = loadEngineRecord(this.d.runtime.dir(res.Id));
    if (eng) this.engines.set(res.Id, eng);
    return res;
  }

  async list(o: {
    all: boolean;
    limit: number | undefined;
    size: boolean;
    filters: Filters;
  }): Promise<Array<Record<string, unknown>>> {
    const rt = this.d.runtime;
    const recs = rt.list(true);
    const subjects = recs.map((rec) =>
      listSubject(
        rec,
        this.engines.get(rec.id),
        this.d.network.settings(rec.id),
        this.health.state(rec.id),
        this.imageRefs(rec.imageId),
      ),
    );
    const chosen = filterContainers(subjects, {
      all: o.all,
      limit: o.limit,
      filters: o.filters,
      createdOf: (ref) => BigInt(Date.parse(rt.inspect(ref).created)) * 1_000_000n,
    });
    const out: Array<Record<string, unknown>> = [];
    for (const s of chosen) {
      if (o.size) {
        s.sizeRw = await duBytes(path.join(rt.dir(s.id), 'rootfs', 'upper'));
        s.sizeRootFs = s.sizeRw + (await this.imageSize(s.imageId));
      }
      out.push(summarize(s, o.size));
    }
    return out;
  }

  private imageRefs(imageId: string): string[] {
    try {
      return this.d.images.ctx.store.refsOf(imageId as `sha256:${string}`).map((r) => r.toString());
    } catch {
      return [];
    }
  }

  private async imageSize(imageId: string): Promise<number> {
    try {
      const img = (await this.d.images.inspect(imageId, '1.43')) as { Size?: number };
      return img.Size ?? 0;
    } catch {
      return 0;
    }
  }

  async inspect(ref: string, size: boolean): Promise<Record<string, unknown>> {
    const rt = this.d.runtime;
    const rec = rt.inspect(ref);
    let sizes: { rw: number; rootFs: number } | undefined;
    if (size) {
      const rw = await duBytes(path.join(rt.dir(rec.id), 'rootfs', 'upper'));
      sizes = { rw, rootFs: rw + (await this.imageSize(rec.imageId)) };
    }
    return inspectJson(rec, this.engines.get(rec.id), rt.dir(rec.id), {
      net: this.d.network.settings(rec.id),
      health: this.health.state(rec.id),
      execIds: this.execs.idsOf(rec.id),
      sizes,
    });
  }

  start(ref: string): Promise<void> {
    return this.d.runtime.start(ref);
  }

  stop(ref: string, o: { timeoutSec: number | undefined; signal: string | undefined }): Promise<void> {
    return this.d.runtime.stop(ref, o.timeoutSec, o.signal ? parseSignal(o.signal) : undefined);
  }

  restart(ref: string, o: { timeoutSec: number | undefined; signal: string | undefined }): Promise<void> {
    return this.d.runtime.restart(ref, o.timeoutSec);
  }

  kill(ref: string, signal: string | undefined): Promise<void> {
    return this.d.runtime.kill(ref, parseSignal(signal || 'KILL'));
  }

  pause(ref: string): Promise<void> {
    return this.d.runtime.pause(ref);
  }

  unpause(ref: string): Promise<void> {
    return this.d.runtime.unpause(ref);
  }

  async wait(ref: string, condition: WaitCondition): Promise<() => Promise<WaitResult>> {
    const id = this.d.runtime.inspect(ref).id;
    // Register the waiter now: `docker run` starts the container right after these headers.
    const pending = this.d.runtime.wait(id, condition);
    return async () => ({ StatusCode: await pending, Error: null });
  }

  async remove(ref: string, o: { force: boolean; volumes: boolean }): Promise<void> {
    const id = this.d.runtime.inspect(ref).id;
    if (o.volumes) this.removeVolumes.add(id);
    try {
      await this.d.runtime.remove(id, { force: o.force });
    } catch (err) {
      this.removeVolumes.delete(id);
      throw err;
    }
  }

  async rename(ref: string, name: string): Promise<void> {
    const id = this.d.runtime.inspect(ref).id;
    renameContainer(this.d.runtime, id, name);
    const eng = this.engines.get(id);
    if (eng) {
      eng.network.containerName = this.d.runtime.inspect(id).name;
      saveEngineRecord(this.d.runtime.dir(id), eng);
    }
  }

  async update(ref: string, body: Record<string, unknown>): Promise<{ Warnings: string[] }> {
    const id = this.d.runtime.inspect(ref).id;
    const u = parseUpdate(body);
    updateContainer(this.d.runtime, id, u.runtime);
    const eng = this.engines.get(id);
    if (eng) {
      Object.assign(eng.hostConfig, u.hostConfig);
      saveEngineRecord(this.d.runtime.dir(id), eng);
    }
    this.d.events.publish('container', 'update', id, this.attrs(this.d.runtime.inspect(id)));
    return { Warnings: [] };
  }

  async resize(ref: string, height: number, width: number): Promise<void> {
    this.d.runtime.resize(ref, height, width);
  }

  top(ref: string, psArgs: string | undefined): Promise<{ Titles: string[]; Processes: string[][] }> {
    return this.files.top(ref, psArgs);
  }

  async changes(ref: string): Promise<Array<{ Path: string; Kind: 0 | 1 | 2 }>> {
    return this.files.changes(ref);
  }

  stats(
    ref: string,
    o: { stream: boolean; oneShot: boolean },
    signal: AbortSignal,
  ): AsyncIterable<Record<string, unknown>> {
    return statsStream(this.d.runtime, ref, o, signal);
  }

  logs(ref: string, o: LogOptions, signal: AbortSignal): ReturnType<ContainersBackend['logs']> {
    return readLogs(this.d.runtime, ref, o, signal);
  }

  async attach(ref: string, o: AttachOptions): Promise<StdioSession> {
    const session = await attachContainer(this.d.runtime, ref, o);
    const rec = this.d.runtime.inspect(ref);
    this.d.events.publish('container', 'attach', rec.id, this.attrs(rec));
    return session;
  }

  export(ref: string): Promise<Readable> {
    return this.files.export(ref);
  }

  statPath(ref: string, p: string): Promise<{ header: string }> {
    return this.files.statPath(ref, p);
  }

  getArchive(ref: string, p: string): Promise<{ header: string; tar: Readable }> {
    return this.files.getArchive(ref, p);
  }

  putArchive(
    ref: string,
    p: string,
    body: NodeJS.ReadableStream,
    o: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean },
  ): Promise<void> {
    return this.files.putArchive(ref, p, body, o);
  }

  prune(filters: Filters): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }> {
    return pruneContainers(this.d, filters);
  }

  // ---- ExecBackend --------------------------------------------------------------------------

  execBackend(): ExecBackend {
    return {
      create: async (ref: string, req: ExecCreateRequest) => this.execs.create(ref, req),
      start: (id, o) => this.execs.start(id, o),
      resize: async (id, h, w) => this.execs.resize(id, h, w),
      inspect: async (id) => this.execs.inspect(id),
    };
  }
}
