/**
 * The classic builder's step loop over a BuildBackend: prints `Step n/N : …`, resolves each step,
 * reuses the cache or executes, removes intermediate containers, and finishes with the image and
 * its tags, writing Docker's message stream throughout. Errors before the first message are
 * thrown for the caller to answer with an HTTP status; later ones are written as `errorDetail`.
 */
import { BerthError, Unavailable } from '../errdefs';
import type { BuildBackend, BuildState, MountedRoot, RunIO, StepIO } from './backend';
import { RunFailedError } from './backend';
import type { BuildContext } from './context/build-context';
import type { SourceRoot } from './context/copy-sources';
import { ContextSourceResolver, type ExternalRoot } from './context/resolver';
import { loadDockerfile } from './dockerfile';
import { type BuildOutput, buildText } from './output';
import { planBuild, unusedBuildArgs } from './planner/plan';
import { StageResolver } from './planner/resolve-stage';
import type { ImageConfig } from './planner/image-config';
import type { BuildOptions, BuildPlan, PlannedStage, ResolvedStage, ResolvedStep } from './planner/types';

export interface BuildRequest {
  context: BuildContext;
  options: BuildOptions;
  /** `t` (repeatable). */
  tags: readonly string[];
  noCache: boolean;
  pull: boolean;
  /**
   * Remove intermediate containers (`rm`, default true, or `forcerm`). Unlike dockerd, Berth also
   * removes the container of a failed RUN, so a failed build leaves nothing running or stopped.
   */
  removeContainers: boolean;
  signal: AbortSignal;
}

export interface BuildResult {
  imageId: string;
  /** Tags as printed (`name:tag`). */
  tags: string[];
  stages: ResolvedStage[];
}

/** Thrown when the client went away; nothing is left running. */
export class BuildCancelledError extends Unavailable {
  constructor() {
    super('Build cancelled');
  }
}

interface Built {
  resolved: ResolvedStage;
  state: BuildState;
}

class Run {
  private readonly built = new Map<number, Built>();
  private readonly mounts = new Map<string, Promise<MountedRoot>>();
  private readonly io: StepIO;

  constructor(
    private readonly req: BuildRequest,
    private readonly backend: BuildBackend,
    private readonly out: BuildOutput,
    private readonly plan: BuildPlan,
  ) {
    this.io = {
      stdout: (c) => out.stdout(c),
      stderr: (c) => out.stderr(c),
      progress: (l) => out.stdout(l.endsWith('\n') ? l : l + '\n'),
      signal: req.signal,
      backlog: () => out.backlog(),
    };
  }

  private checkCancelled(): void {
    if (this.req.signal.aborted) {
      this.out.stdout(buildText.cancelled());
      throw new BuildCancelledError();
    }
  }

  private readonly externalRoot: ExternalRoot = async (ref) => {
    const key = ref.kind === 'stage' ? `stage:${ref.index}` : `image:${ref.ref}`;
    let m = this.mounts.get(key);
    if (!m) {
      if (ref.kind === 'stage') {
        const b = this.built.get(ref.index);
        if (!b) throw new Error(`stage ${ref.index} was not built`);
        m = this.backend.mount({ kind: 'state', state: b.state }, this.io);
      } else {
        m = this.backend.mount({ kind: 'image', ref: ref.ref }, this.io);
      }
      this.mounts.set(key, m);
    }
    const root: SourceRoot = {
      dir: (await m).dir,
      label: ref.kind === 'stage' ? `stage ${ref.index}` : `image ${ref.ref}`,
    };
    return root;
  };

  private async execute(parent: BuildState, step: ResolvedStep): Promise<BuildState> {
    switch (step.op) {
      case 'config':
        return this.backend.config(parent, step);
      case 'workdir':
        return this.backend.workdir(parent, step, this.io);
      case 'copy':
      case 'add':
        return this.backend.copy(parent, step, this.io);
      case 'run':
        return this.runStep(parent, step);
    }
  }

  private async runStep(parent: BuildState, step: Extract<ResolvedStep, { op: 'run' }>): Promise<BuildState> {
    let containerId: string | undefined;
    const io: RunIO = {
      ...this.io,
      onContainer: (id) => {
        containerId = id;
        this.out.stdout(buildText.runningIn(id));
      },
    };
    const remove = async (): Promise<void> => {
      if (containerId === undefined || !this.req.removeContainers) return;
      const id = containerId;
      containerId = undefined;
      await this.backend.removeContainer(id);
      this.out.stdout(buildText.removedContainer(id));
    };
    let state: BuildState;
    try {
      state = await this.backend.run(parent, step, io);
    } catch (err) {
      await remove().catch(() => undefined);
      throw err;
    }
    await remove();
    return state;
  }

  private async step(parent: BuildState, resolver: StageResolver): Promise<BuildState> {
    const step = await resolver.resolveNext();
    for (const note of step.notes) this.out.stdout(note + '\n');
    if (!this.req.noCache) {
      const hit = await this.backend.cacheLookup(step.cacheKey);
      if (hit) {
        this.out.stdout(buildText.usingCache());
        return hit;
      }
    }
    const state = await this.execute(parent, step);
    await this.backend.cacheStore(step.cacheKey, state);
    return state;
  }

  async stage(stage: PlannedStage, isTarget: boolean): Promise<Built> {
    const { out, plan, req, backend } = this;
    const total = plan.totalSteps;
    this.checkCancelled();
    out.step(stage.stepNumber, total, stage.text);
    let state: BuildState;
    let baseKey: string;
    let baseConfig: ImageConfig;
    if (stage.base.kind === 'stage') {
      const parent = this.built.get(stage.base.index) as Built;
      [state, baseKey, baseConfig] = [parent.state, parent.resolved.finalKey, parent.resolved.finalConfig];
    } else {
      const base =
        stage.base.kind === 'scratch'
          ? await backend.scratch(stage.platform)
          : await backend.baseImage(
              stage.base.ref,
              { pull: req.pull, ...(stage.platform ? { platform: stage.platform } : {}) },
              this.io,
            );
      [state, baseKey, baseConfig] = [base.state, base.imageId, base.config];
    }
    const sources = new ContextSourceResolver(req.context, this.externalRoot, req.signal);
    const resolver = new StageResolver(plan, stage.index, { baseKey, baseConfig, sources });
    const triggers = resolver.pending.filter((p) => p.trigger).length;
    if (triggers > 0) out.stdout(buildText.triggers(triggers));
    for (const p of resolver.pending) {
      if (p.trigger) {
        this.checkCancelled();
        state = await this.step(state, resolver);
      }
    }
    out.stdout(buildText.result(state.id));
    for (const p of resolver.pending) {
      if (p.trigger) continue;
      this.checkCancelled();
      out.step(p.number, total, p.text);
      state = await this.step(state, resolver);
      out.stdout(buildText.result(state.id));
    }
    const resolved = resolver.result();
    if (!isTarget) out.aux(state.id);
    const built = { resolved, state };
    this.built.set(stage.index, built);
    return built;
  }

  async release(): Promise<void> {
    for (const m of this.mounts.values()) await (await m.catch(() => undefined))?.release().catch(() => undefined);
  }
}

export async function runBuild(req: BuildRequest, backend: BuildBackend, out: BuildOutput): Promise<BuildResult> {
  const { parsed, instructions } = loadDockerfile(req.context.dockerfile);
  const plan = planBuild(instructions, req.options);
  const run = new Run(req, backend, out, plan);
  try {
    for (const line of buildText.parseWarnings(parsed.warnings.map((w) => w.message))) out.stderr(line);
    for (const m of plan.metaArgSteps) out.step(m.number, plan.totalSteps, m.text);
    const built: Built[] = [];
    for (const stage of plan.stages) built.push(await run.stage(stage, stage === plan.stages[plan.stages.length - 1]));
    const target = built[built.length - 1] as Built;
    const imageId = await backend.commitImage(target.state, target.resolved);
    out.aux(imageId);
    const unused = unusedBuildArgs(
      plan,
      built.map((b) => b.resolved),
    );
    if (unused.length > 0) out.stdout(buildText.unusedBuildArgs(unused));
    out.stdout(buildText.successfullyBuilt(imageId));
    const tags = req.tags.length > 0 ? await backend.tag(imageId, req.tags) : [];
    for (const t of tags) out.stdout(buildText.successfullyTagged(t));
    out.success(imageId);
    return { imageId, tags, stages: built.map((b) => b.resolved) };
  } finally {
    await run.release();
  }
}

/** Writes a build error the way dockerd does: a failed RUN carries its exit code. */
export function writeBuildError(out: BuildOutput, err: unknown): void {
  if (err instanceof RunFailedError) out.error(err.message, err.exitCode);
  else out.error(err instanceof BerthError || err instanceof Error ? err.message : String(err));
}
