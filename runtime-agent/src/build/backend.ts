/**
 * The seam between the builder (this folder: parsing, planning, cache keys, output) and the
 * machinery that makes file systems and images (phase 2: runtime containers, overlay snapshots,
 * the image store). `runBuild` (builder.ts) drives a BuildBackend; everything it needs to know
 * about a step is in the resolved step (planner/types.ts).
 */
import type { ImageConfig } from './planner/image-config';
import type { ConfigStep, CopyStep, ResolvedStage, RunStep, WorkdirStep } from './planner/types';

/**
 * A built state: an image (or snapshot) the backend knows by `id`, printed as ` ---> <short id>`.
 * The builder treats it as opaque and hands it back as the parent of the next step.
 */
export interface BuildState {
  id: string;
}

export interface BaseImage {
  state: BuildState;
  /** Image ID (content-addressed), part of every cache key of the stage. */
  imageId: string;
  config: ImageConfig;
}

export interface StepIO {
  /** Container output, as it comes. */
  stdout(chunk: string): void;
  stderr(chunk: string): void;
  /** Progress lines (pulls, downloads) shown on stdout. */
  progress(line: string): void;
  /** Aborted when the client goes away: stop, clean up, reject. */
  signal: AbortSignal;
  /**
   * While the client is behind (the response stream's buffer is full): a promise that resolves
   * when it has caught up or gone. Producers of a lot of output stop until then.
   */
  backlog?(): Promise<void> | undefined;
}

export interface RunIO extends StepIO {
  /** Call as soon as the step's container exists (the builder prints ` ---> Running in <id>`). */
  onContainer(containerId: string): void;
}

/** A mounted root file system for COPY --from and RUN --mount from=. */
export interface MountedRoot {
  dir: string;
  release(): Promise<void>;
}

export interface BuildBackend {
  /** FROM <image>: pulls when missing (always with `pull`), for `platform` when given. */
  baseImage(ref: string, opts: { pull: boolean; platform?: string }, io: StepIO): Promise<BaseImage>;
  /** FROM scratch. */
  scratch(platform: string | undefined): Promise<BaseImage>;

  /** The state recorded for a cache key, if it still exists (e.g. its image was not pruned). */
  cacheLookup(key: string): Promise<BuildState | undefined>;
  /** Records a step's result under its cache key; entries survive agent restarts. */
  cacheStore(key: string, state: BuildState): Promise<void>;

  /**
   * RUN: a container on an overlay of `parent` runs `step.argv` with `step.env`, user, workdir,
   * mounts and network; its upper directory becomes the new layer (deletions as whiteouts).
   * Rejects with RunFailedError when the command exits non-zero. The container stays until
   * `removeContainer` (the builder removes it after the step, on failure too).
   */
  run(parent: BuildState, step: RunStep, io: RunIO): Promise<BuildState>;
  removeContainer(containerId: string): Promise<void>;

  /**
   * COPY/ADD: writes `step.sources` and `step.contents` to `step.dest` in a new layer on top of
   * `parent` (ownership 0:0 or --chown, resolved against the parent's /etc/passwd and /etc/group;
   * --chmod; ADD extracts archives).
   */
  copy(parent: BuildState, step: CopyStep, io: StepIO): Promise<BuildState>;
  /** WORKDIR: creates `step.path` when missing (owned by `step.user`). */
  workdir(parent: BuildState, step: WorkdirStep, io: StepIO): Promise<BuildState>;
  /** Metadata-only steps (ENV, LABEL, CMD, …): a new state with `step.config`, no layer. */
  config(parent: BuildState, step: ConfigStep): Promise<BuildState>;

  /** Mounts a built stage's or an image's root file system (pulling the image if needed). */
  mount(
    source: { kind: 'state'; state: BuildState } | { kind: 'image'; ref: string },
    io: StepIO,
  ): Promise<MountedRoot>;

  /**
   * The target stage is done: store its image like a pulled one (config = `stage.finalConfig`,
   * history from the steps' createdBy/emptyLayer/author) and return the image ID.
   */
  commitImage(last: BuildState, stage: ResolvedStage): Promise<string>;
  /** Tags the image; returns the names as Docker prints them (`busybox:latest`). */
  tag(imageId: string, references: readonly string[]): Promise<string[]>;
}

/** A RUN whose command exited non-zero. */
export class RunFailedError extends Error {
  constructor(
    readonly exitCode: number,
    readonly argv: readonly string[],
    message = `The command '${argv.join(' ')}' returned a non-zero code: ${exitCode}`,
  ) {
    super(message);
  }
}
