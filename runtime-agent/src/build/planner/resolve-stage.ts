/**
 * One stage, resolved once its base is known: the base config (with Docker's default PATH), the
 * base image's ONBUILD triggers, then every command dispatched in order, each with its image
 * config, history text and chained cache key.
 */
import { BerthError } from '../../errdefs';
import { isDockerfileError, locate, stepError } from '../errors';
import { parseTrigger } from '../instructions/parse';
import type { Command, Location } from '../instructions/types';
import { parseDockerfile } from '../parser/parser';
import { ShellLexError } from '../shell-lexer';
import { baseKey, chainKey } from './cache-key';
import { dispatch, type DispatchContext, type StageState, type StepOutcome } from './dispatch';
import { cloneConfig, type ImageConfig, nopCreatedBy, withDefaultPath } from './image-config';
import { resolveStageRef } from './plan';
import type { BuildPlan, FromStep, PlannedStage, ResolvedStage, ResolvedStep, StageInput } from './types';

function inputsOf(outcome: StepOutcome): Record<string, unknown> {
  switch (outcome.op) {
    case 'config':
      return { op: 'config', comment: outcome.comment };
    case 'workdir':
      return { op: 'workdir', path: outcome.path };
    case 'run': {
      const s = outcome.spec;
      return {
        op: 'run',
        cmd: outcome.savedCmd,
        mounts: s.mounts,
        mountSources: s.mountSources,
        // bind mounts by content; cache, tmpfs, secret and ssh mounts by their spec only
        bindDigests: s.bindSources.map((b) => b?.digest ?? null),
        network: s.network,
        security: s.security,
        files: s.files,
      };
    }
    default: {
      const s = outcome.spec;
      return {
        op: outcome.op,
        sources: s.sources.map((i) =>
          i.kind === 'url' ? { url: i.url, digest: i.digest } : { path: i.path, digest: i.digest },
        ),
        contents: s.contents,
        dest: s.dest,
        from: s.from,
        chown: s.chown,
        chmod: s.chmod,
        excludes: s.excludes,
        checksum: s.checksum,
      };
    }
  }
}

/** Docker commits metadata steps with `<shell> #(nop) …`, using the config after the step (SHELL included). */
function createdBy(outcome: StepOutcome, after: ImageConfig): string {
  switch (outcome.op) {
    case 'config':
      return nopCreatedBy(after, outcome.comment, false);
    case 'run':
      return outcome.savedCmd.join(' ');
    default:
      return nopCreatedBy(after, outcome.comment, true);
  }
}

function locationError(loc: Location, err: unknown): Error {
  if (isDockerfileError(err)) return err;
  if (err instanceof BerthError) return locate(err, loc.startLine, loc.endLine);
  const msg = err instanceof ShellLexError || err instanceof Error ? err.message : String(err);
  return stepError(loc.startLine, loc.endLine, msg, err);
}

/** A step whose Dockerfile position is known but which is not dispatched yet. */
export interface PendingStep {
  number: number;
  text: string;
  trigger: boolean;
  loc: Location;
}

/**
 * Resolves a stage step by step, in order, so that a caller can print `Step n/N : …` before the
 * step is evaluated (an expansion or COPY source error then belongs to the step shown last).
 */
export class StageResolver {
  readonly from: FromStep;
  /** ONBUILD triggers of the base image first, then the stage's commands. */
  readonly pending: PendingStep[];
  private readonly stage: PlannedStage;
  private readonly work: { cmd: Command; number: number; trigger: boolean }[] = [];
  private readonly state: StageState;
  private readonly ctx: DispatchContext;
  private readonly steps: ResolvedStep[] = [];
  private parentKey: string;

  constructor(plan: BuildPlan, stageIndex: number, input: StageInput) {
    const stage = plan.stages.find((s) => s.index === stageIndex);
    if (!stage) throw new Error(`stage ${stageIndex} is not part of the plan`);
    this.stage = stage;
    const config = withDefaultPath(cloneConfig(input.baseConfig));
    const triggers = config.OnBuild ?? [];
    if (triggers.length > 0) delete config.OnBuild;
    const buildArgs = plan.globalArgs.clone();
    buildArgs.resetAllowed();
    this.state = { config, buildArgs, cmdSet: false };
    this.ctx = {
      escapeToken: plan.escapeToken,
      sources: input.sources,
      resolveRef: (v) => resolveStageRef(plan.dockerfileStages, stageIndex, v),
    };
    const loc = { startLine: stage.startLine, endLine: stage.endLine };
    this.parentKey = baseKey(input.baseKey, stage.platform);
    this.from = {
      number: stage.stepNumber,
      text: stage.text,
      loc,
      base: stage.base,
      config: cloneConfig(config),
      cacheKey: this.parentKey,
      ...(stage.platform !== undefined ? { platform: stage.platform } : {}),
    };
    for (const t of triggers) {
      let cmd: Command;
      try {
        cmd = parseTrigger(t, (text) => parseDockerfile(text));
      } catch (err) {
        throw stepError(loc.startLine, loc.endLine, `ONBUILD trigger "${t}": ${(err as Error).message}`, err);
      }
      this.work.push({ cmd: { ...cmd, ...loc }, number: stage.stepNumber, trigger: true });
    }
    stage.commands.forEach((cmd, i) => this.work.push({ cmd, number: stage.stepNumber + 1 + i, trigger: false }));
    this.pending = this.work.map((w) => ({
      number: w.number,
      text: w.cmd.text,
      trigger: w.trigger,
      loc: { startLine: w.cmd.startLine, endLine: w.cmd.endLine },
    }));
  }

  get done(): boolean {
    return this.steps.length === this.work.length;
  }

  /** Dispatches the next pending step. */
  async resolveNext(): Promise<ResolvedStep> {
    const next = this.work[this.steps.length];
    if (!next) throw new Error('all steps of the stage are resolved');
    const { cmd, number, trigger } = next;
    const state = this.state;
    let outcome: StepOutcome;
    try {
      outcome = await dispatch(state, cmd, this.ctx);
    } catch (err) {
      throw locationError(cmd, err);
    }
    const cacheInputs = inputsOf(outcome);
    const cacheKey = chainKey(this.parentKey, cacheInputs);
    this.parentKey = cacheKey;
    const common = {
      number,
      text: cmd.text,
      loc: { startLine: cmd.startLine, endLine: cmd.endLine },
      trigger,
      config: cloneConfig(state.config),
      cacheKey,
      cacheInputs,
      createdBy: createdBy(outcome, state.config),
      emptyLayer: outcome.op === 'config',
      notes: outcome.op === 'config' ? (outcome.notes ?? []) : [],
      ...(state.author !== undefined ? { author: state.author } : {}),
    };
    let step: ResolvedStep;
    if (outcome.op === 'config') step = { ...common, op: 'config' };
    else if (outcome.op === 'workdir')
      step = { ...common, op: 'workdir', path: outcome.path, user: state.config.User ?? '' };
    else if (outcome.op === 'run') step = { ...common, op: 'run', ...outcome.spec };
    else step = { ...common, op: outcome.op, ...outcome.spec };
    this.steps.push(step);
    return step;
  }

  /** The resolved stage, once every step is resolved. */
  result(): ResolvedStage {
    if (!this.done) throw new Error('stage not fully resolved');
    return {
      stage: this.stage,
      from: this.from,
      steps: [...this.steps],
      finalConfig: cloneConfig(this.state.config),
      finalKey: this.parentKey,
      buildArgs: this.state.buildArgs,
    };
  }
}

/** Resolves a planned stage at once (`stageIndex` is its Dockerfile index). */
export async function resolveStage(plan: BuildPlan, stageIndex: number, input: StageInput): Promise<ResolvedStage> {
  const r = new StageResolver(plan, stageIndex, input);
  while (!r.done) await r.resolveNext();
  return r.result();
}
