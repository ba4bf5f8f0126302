/** What the planner hands to the executor: stages to build and fully resolved steps. */
import type { Command, Location, RunMount, Stage } from '../instructions/types';
import type { BuildArgs } from './build-args';
import type { ImageConfig } from './image-config';
import type { Platform } from './platform';

export interface BuildOptions {
  /** Build only this stage (and what it needs). */
  target?: string;
  /** `--build-arg`: null/undefined = given without a value (no override). */
  buildArgs?: Readonly<Record<string, string | null | undefined>>;
  /** API `labels`: added to the final stage as LABEL steps. */
  labels?: Readonly<Record<string, string>>;
  /** Target platform (`linux/amd64`); defaults to the build platform. */
  platform?: string;
  /** The platform the builder runs on; defaults to this host. */
  buildPlatform?: Platform;
}

export type StageBase = { kind: 'scratch' } | { kind: 'image'; ref: string } | { kind: 'stage'; index: number };

/** Where COPY/ADD sources or a RUN mount come from. */
export type SourceRef = { kind: 'context' } | { kind: 'stage'; index: number } | { kind: 'image'; ref: string };

export interface PlannedStage extends Location {
  /** Index of the stage in the Dockerfile. */
  index: number;
  name?: string;
  /** `FROM …` as written. */
  text: string;
  /** Step number of the FROM line. */
  stepNumber: number;
  base: StageBase;
  /** Expanded `--platform`, if given. */
  platform?: string;
  commands: Command[];
  /** Dockerfile indexes of the stages this one needs (base, COPY --from, RUN --mount from=). */
  dependsOn: number[];
}

export interface MetaArgStep extends Location {
  number: number;
  text: string;
}

export interface BuildPlan {
  escapeToken: string;
  totalSteps: number;
  metaArgSteps: MetaArgStep[];
  /** The stages to build, in Dockerfile order; the last one is the target. */
  stages: PlannedStage[];
  /** Every stage of the Dockerfile (stage references are resolved against them). */
  dockerfileStages: readonly Stage[];
  /** Global ARGs after the meta ARGs were evaluated (FROM expansion, per-stage defaults). */
  globalArgs: BuildArgs;
  targetPlatform: Platform;
  buildPlatform: Platform;
}

/** A COPY/ADD source after resolution, with the digest that goes into the cache key. */
export type CopySourceItem =
  | {
      kind: 'path';
      /** The source as written, cleaned, relative to the source root (its base name names the copy). */
      path: string;
      /** The same after following symlinks inside the root. */
      realPath: string;
      /** Absolute path on this host (inside the extracted context or a mounted root). */
      hostPath: string;
      type: 'file' | 'dir' | 'symlink';
      /** `file:<sha256>` / `dir:<sha256>`: content and metadata. */
      digest: string;
      /** ADD: a (possibly compressed) tar archive, to be extracted at the destination. */
      archive?: { compression: 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd' };
      /**
       * Entries of a directory source that must not be copied (.dockerignore of a directory
       * context, COPY --exclude). Called with paths relative to the source root (`realPath/…`).
       */
      filter?: { excluded(relToRoot: string): boolean; hasExceptions: boolean };
    }
  | {
      kind: 'url';
      url: string;
      /** File name from the URL path or Content-Disposition; undefined when unknown. */
      filename?: string;
      hostPath: string;
      digest: string;
      /** From Last-Modified; Docker sets it as the file's mtime. */
      mtime?: Date;
    };

export interface CopySourceRequest {
  from: SourceRef;
  sources: string[];
  excludes: string[];
  /** ADD: URLs allowed, local archives detected. */
  add: boolean;
  checksum?: string;
}

export interface CopySourceResolver {
  resolve(req: CopySourceRequest): Promise<CopySourceItem[]>;
}

interface StepCommon {
  /** `Step n/N` number; ONBUILD triggers share their FROM's number. */
  number: number;
  text: string;
  loc: Location;
  /** An ONBUILD trigger from the base image, run right after FROM. */
  trigger: boolean;
  /** Image config after the step. */
  config: ImageConfig;
  /** sha256 of (parent key, inputs). */
  cacheKey: string;
  /** The step's own cache inputs (the parent key is chained separately). */
  cacheInputs: Record<string, unknown>;
  /** Image history `created_by`. */
  createdBy: string;
  /** Metadata-only step: no layer. */
  emptyLayer: boolean;
  /** Author from MAINTAINER, when set. */
  author?: string;
  /** Lines Docker prints on stdout for this step (e.g. overriding a HEALTHCHECK). */
  notes: string[];
}

export interface ConfigStep extends StepCommon {
  op: 'config';
}

export interface WorkdirStep extends StepCommon {
  op: 'workdir';
  /** Absolute directory to create if missing. */
  path: string;
  user: string;
}

export interface RunSpec {
  /** Full argv (SHELL prepended for the shell form). */
  argv: string[];
  /** Config env plus the build args in scope (not shadowed by ENV). */
  env: string[];
  user: string;
  workdir: string;
  mounts: RunMount[];
  /** Stage or image each mount's `from` refers to (same order as `mounts`; context when none). */
  mountSources: SourceRef[];
  /** For bind mounts: the resolved source (host path, digest); undefined for other mount types. */
  bindSources: (CopySourceItem | undefined)[];
  network?: 'default' | 'none' | 'host';
  security?: 'sandbox' | 'insecure';
  /** Files to provide at run time (a heredoc script with a shebang at /dev/pipes/<name>). */
  files: { path: string; data: string; mode: number }[];
}

export interface RunStep extends StepCommon, RunSpec {
  op: 'run';
}

export interface CopySpec {
  from: SourceRef;
  sources: CopySourceItem[];
  /** Heredoc files: written as `name` in the destination directory (or as the destination). */
  contents: { name: string; data: string }[];
  /** Absolute destination; a trailing `/` (or `.`) means "a directory". */
  dest: string;
  destIsDir: boolean;
  /** Unresolved `--chown` (names are resolved against the image's /etc/passwd by the executor). */
  chown?: string;
  chmod?: number;
  link: boolean;
  excludes: string[];
  /** ADD: extract local archives. */
  extractArchives: boolean;
  /** COPY --from without --chown keeps the source ownership; otherwise files become 0:0 (or --chown). */
  preserveOwnership: boolean;
  checksum?: string;
}

export interface CopyStep extends StepCommon, CopySpec {
  op: 'copy' | 'add';
}

export type ResolvedStep = ConfigStep | WorkdirStep | RunStep | CopyStep;

export interface FromStep {
  number: number;
  text: string;
  loc: Location;
  base: StageBase;
  platform?: string;
  /** Base config with Docker's default PATH; ONBUILD triggers moved into the steps. */
  config: ImageConfig;
  cacheKey: string;
}

export interface ResolvedStage {
  stage: PlannedStage;
  from: FromStep;
  /** ONBUILD triggers first (`trigger: true`), then the stage's own steps. */
  steps: ResolvedStep[];
  finalConfig: ImageConfig;
  /** The last step's key (the FROM key when there are no steps). */
  finalKey: string;
  /** ARGs declared in this stage, for the unused --build-arg warning. */
  buildArgs: BuildArgs;
}

/** What the executor knows about a stage's base once it has it. */
export interface StageInput {
  /** Image ID for an image, the parent stage's `finalKey` for a stage, '' for scratch. */
  baseKey: string;
  /** The base image's config (the parent stage's `finalConfig`); undefined for scratch. */
  baseConfig?: ImageConfig;
  sources: CopySourceResolver;
}
