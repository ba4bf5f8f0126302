/**
 * BuildBackend on the agent's machinery, for one build: every step's result is an image in the
 * image store (as dockerd's classic builder does), so ` ---> <id>` is an image ID, the final image
 * is the last step's, and `docker history` shows every step. RUN goes through the containers
 * module and images' commit (the container's upper dir, whiteouts included, becomes the layer);
 * COPY/ADD/WORKDIR write into a temporary overlay of the parent whose upper dir is committed the
 * same way; metadata steps commit an empty layer (history `empty_layer`).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ContainerService } from '../../containers/service';
import type { ContainerRuntime } from '../../runtime/runtime';
import { InvalidArgument } from '../../errdefs';
import type { ContainerConfig } from '../../images/image-config';
import type { ImageService } from '../../images/image-service';
import { parsePlatform } from '../../images/platform';
import type { ProgressEvent } from '../../images/progress';
import { familiarString, parseReference } from '../../images/reference';
import type { Credentials } from '../../images/auth';
import { resolveInRoot } from '../../containers/archive/secure-join';
import type { BaseImage, BuildBackend, BuildState, MountedRoot, RunIO, StepIO } from '../backend';
import { resolveChown } from '../chown';
import type { ImageConfig } from '../planner/image-config';
import type { ConfigStep, CopyStep, ResolvedStep, RunStep, WorkdirStep } from '../planner/types';
import type { CacheIndex } from './cache-index';
import { writeCopy } from './copy-writer';
import { removeMountStubs } from './mount-stubs';
import { mountOverlay, type Overlay } from './overlay';
import { runContainer, type RunSettings } from './run-container';
import type { RunRecords } from './run-records';

/**
 * What a container's set-up creates as mount targets when the image lacks them; dockerd keeps
 * them in the container's init layer, out of commits. Removed only as empty stubs.
 */
const CONTAINER_STUBS = [
  '/etc/hostname',
  '/etc/hosts',
  '/etc/resolv.conf',
  '/dev/shm',
  '/dev/pts',
  '/dev',
  '/proc',
  '/sys',
];

export interface EngineDeps {
  images: ImageService;
  containers: ContainerService;
  /** For the containers' directories (their overlay upper dirs). */
  runtime: Pick<ContainerRuntime, 'dir'>;
  cache: CacheIndex;
  /** <data-root>/build/tmp */
  tmpDir: string;
  /** <data-root>/build/cache-mounts */
  cacheMountsDir: string;
  /** The RUN containers of `rm` builds, removed at agent start if a build was lost. */
  runs: RunRecords;
}

function pullLine(e: ProgressEvent): string | undefined {
  if (e.kind === 'status') return e.id ? `${e.id}: ${e.status}` : e.status;
  if (e.kind === 'layer' && ['Pull complete', 'Already exists'].includes(e.status)) return `${e.id}: ${e.status}`;
  return undefined;
}

export class EngineBackend implements BuildBackend {
  private readonly containersMade = new Set<string>();
  private readonly overlays = new Set<Overlay>();
  /** Leases on every image a BuildState of this build names, so no prune or rmi takes one mid-build. */
  private readonly leases = new Map<string, () => void>();

  constructor(
    private readonly d: EngineDeps,
    private readonly settings: RunSettings,
    private readonly credentials: (host: string) => Credentials | undefined = () => undefined,
  ) {}

  /** Leases `id` until dispose (synchronously, right after the image was found). */
  private hold(id: string): void {
    if (id === '' || this.leases.has(id)) return;
    this.leases.set(id, this.d.images.lease(id as `sha256:${string}`));
  }

  async baseImage(ref: string, opts: { pull: boolean; platform?: string }, io: StepIO): Promise<BaseImage> {
    const { images } = this.d;
    let found = opts.pull ? undefined : images.find(ref);
    if (!found) {
      const creds = this.credentials(parseReference(ref).domain);
      await images.pull(ref, {
        ...(creds ? { credentials: creds } : {}),
        ...(opts.platform ? { platform: parsePlatform(opts.platform) } : {}),
        signal: io.signal,
        onProgress: (e) => {
          const line = pullLine(e);
          if (line !== undefined) io.progress(line);
        },
      });
      found = images.find(ref);
      if (!found) throw new InvalidArgument(`pull access denied for ${ref}`);
    }
    this.hold(found.id);
    const config = await images.configOf(found.id);
    return { state: { id: found.id }, imageId: found.id, config: (config.config ?? {}) as ImageConfig };
  }

  async scratch(): Promise<BaseImage> {
    return { state: { id: '' }, imageId: '', config: {} };
  }

  async cacheLookup(key: string): Promise<BuildState | undefined> {
    const e = this.d.cache.get(key);
    if (!e) return undefined;
    const rec = this.d.images.find(e.id);
    if (!rec) {
      await this.d.cache.delete([key]);
      return undefined;
    }
    this.hold(rec.id);
    void this.d.cache.touch(key).catch(() => undefined); // use statistics only: not worth a wait
    return { id: e.id };
  }

  async cacheStore(key: string, state: BuildState): Promise<void> {
    if (state.id === '') return;
    const rec = this.d.images.find(state.id);
    if (!rec) return;
    const parent = rec.parent ? this.d.images.find(rec.parent) : undefined;
    const added = rec.layers.length > (parent?.layers.length ?? 0) ? rec.layers[rec.layers.length - 1] : undefined;
    const cfg = await this.d.images.configOf(rec.id);
    const hist = cfg.history ?? [];
    await this.d.cache.set(key, {
      id: rec.id,
      parent: rec.parent ?? '',
      description: hist[hist.length - 1]?.created_by ?? '',
      ...(added ? { layer: added.diffId } : {}),
    });
  }

  /** Commits `upperDir` as a child image of `parent` with the step's config and history. */
  private async commit(parent: BuildState, upperDir: string, step: ResolvedStep, containerId?: string) {
    const id = await this.d.images.commit({
      upperDir,
      parentImageId: parent.id === '' ? undefined : (parent.id as `sha256:${string}`),
      config: step.config as ContainerConfig,
      createdBy: step.createdBy,
      author: step.author,
      containerId,
    });
    this.hold(id);
    return { id };
  }

  async run(parent: BuildState, step: RunStep, io: RunIO): Promise<BuildState> {
    const scratch = await fs.mkdtemp(path.join(this.d.tmpDir, 'run-'));
    try {
      const id = await runContainer(
        this.d.containers,
        parent.id,
        step,
        io,
        this.settings,
        { scratch, cacheMounts: this.d.cacheMountsDir },
        async (cid) => {
          this.containersMade.add(cid);
          if (this.settings.removeContainers) await this.d.runs.add(cid);
        },
      );
      const upper = path.join(this.d.runtime.dir(id), 'rootfs', 'upper');
      const volumes = Object.keys(
        (await this.d.images.configOf(parent.id as `sha256:${string}`)).config?.Volumes ?? {},
      );
      const targets = [
        ...step.mounts.map((m) => m.target ?? ''),
        ...step.files.map((f) => f.path),
        ...volumes,
        ...CONTAINER_STUBS,
      ];
      await removeMountStubs(upper, this.lowerDirsOf(parent), targets);
      return await this.commit(parent, upper, step, id);
    } finally {
      await fs.rm(scratch, { recursive: true, force: true });
    }
  }

  async removeContainer(containerId: string): Promise<void> {
    await this.d.containers.remove(containerId, { force: true, volumes: true });
    this.containersMade.delete(containerId);
    await this.d.runs.delete(containerId);
  }

  /** Runs `fn` on a writable overlay of `parent`, then commits its upper dir. */
  private async withLayer(parent: BuildState, step: ResolvedStep, fn: (root: string) => Promise<void>) {
    const ov = this.overlay(parent);
    try {
      await fn(ov.merged);
      ov.unmount();
      return await this.commit(parent, ov.upper, step);
    } finally {
      await this.release(ov);
    }
  }

  private lowerDirsOf(state: BuildState): string[] {
    return state.id === '' ? [] : this.d.images.lowerDirs(state.id as `sha256:${string}`);
  }

  private overlay(parent: BuildState): Overlay {
    const ov = mountOverlay(this.d.tmpDir, this.lowerDirsOf(parent));
    this.overlays.add(ov);
    return ov;
  }

  private async release(ov: Overlay): Promise<void> {
    this.overlays.delete(ov);
    await ov.dispose();
  }

  async copy(parent: BuildState, step: CopyStep): Promise<BuildState> {
    return this.withLayer(parent, step, async (root) => {
      const scratch = await fs.mkdtemp(path.join(this.d.tmpDir, 'copy-'));
      try {
        await writeCopy(root, step, scratch);
      } finally {
        await fs.rm(scratch, { recursive: true, force: true });
      }
    });
  }

  async workdir(parent: BuildState, step: WorkdirStep): Promise<BuildState> {
    return this.withLayer(parent, step, async (root) => {
      const dir = resolveInRoot(root, step.path, { followFinal: true });
      const st = await fs.lstat(dir).catch(() => undefined);
      if (st?.isDirectory()) return;
      await fs.mkdir(dir, { recursive: true, mode: 0o755 });
      if (step.user) {
        const read = (p: string) => fs.readFile(resolveInRoot(root, p, { followFinal: true }), 'utf8').catch(() => '');
        try {
          const ids = resolveChown(step.user, await read('/etc/passwd'), await read('/etc/group'));
          await fs.chown(dir, ids.uid, ids.gid);
        } catch {
          /* an unknown user fails at RUN time, as in Docker; the directory stays root's */
        }
      }
    });
  }

  async config(parent: BuildState, step: ConfigStep): Promise<BuildState> {
    const empty = await fs.mkdtemp(path.join(this.d.tmpDir, 'cfg-'));
    try {
      return await this.commit(parent, empty, step);
    } finally {
      await fs.rm(empty, { recursive: true, force: true });
    }
  }

  async mount(
    source: { kind: 'state'; state: BuildState } | { kind: 'image'; ref: string },
    io: StepIO,
  ): Promise<MountedRoot> {
    const state =
      source.kind === 'state' ? source.state : (await this.baseImage(source.ref, { pull: false }, io)).state;
    const ov = this.overlay(state);
    return { dir: ov.merged, release: () => this.release(ov) };
  }

  /** Every step already made an image with its config and history: the last one is the result. */
  async commitImage(last: BuildState): Promise<string> {
    if (last.id === '') throw new InvalidArgument('No image was generated. Is your Dockerfile empty?');
    return last.id;
  }

  async tag(imageId: string, references: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (const r of references) out.push(familiarString(await this.d.images.tag(imageId, r)));
    return out;
  }

  /** Removes what a cancelled or failed build left (containers still there, mounts); releases its leases. */
  async dispose(opts: { removeContainers: boolean }): Promise<void> {
    try {
      for (const ov of [...this.overlays]) await this.release(ov).catch(() => undefined);
      if (!opts.removeContainers) return;
      for (const id of [...this.containersMade]) await this.removeContainer(id).catch(() => undefined);
    } finally {
      for (const release of this.leases.values()) release();
      this.leases.clear();
    }
  }
}
