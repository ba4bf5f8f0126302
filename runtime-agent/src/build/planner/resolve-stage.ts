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
import type { BuildPlan, ResolvedStage, ResolvedStep, StageInput } from './types';

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

/** Resolves a planned stage (`stageIndex` is its Dockerfile index). */
export async function resolveStage(plan: BuildPlan, stageIndex: number, input: StageInput): Promise<ResolvedStage> {
  const stage = plan.stages.find((s) => s.index === stageIndex);
  if (!stage) throw new Error(`stage ${stageIndex} is not part of the plan`);
  const config = withDefaultPath(cloneConfig(input.baseConfig));
  const triggers = config.OnBuild ?? [];
  if (triggers.length > 0) delete config.OnBuild;
  const buildArgs = plan.globalArgs.clone();
  buildArgs.resetAllowed();
  const state: StageState = { config, buildArgs, cmdSet: false };
  const ctx: DispatchContext = {
    escapeToken: plan.escapeToken,
    sources: input.sources,
    resolveRef: (v) => resolveStageRef(plan.dockerfileStages, stageIndex, v),
  };
  const loc = { startLine: stage.startLine, endLine: stage.endLine };
  let parentKey = baseKey(input.baseKey, stage.platform);
  const from = {
    number: stage.stepNumber,
    text: stage.text,
    loc,
    base: stage.base,
    config: cloneConfig(config),
    cacheKey: parentKey,
    ...(stage.platform !== undefined ? { platform: stage.platform } : {}),
  };

  const work: { cmd: Command; number: number; trigger: boolean }[] = [];
  for (const t of triggers) {
    let cmd: Command;
    try {
      cmd = parseTrigger(t, (text) => parseDockerfile(text));
    } catch (err) {
      throw stepError(loc.startLine, loc.endLine, `ONBUILD trigger "${t}": ${(err as Error).message}`, err);
    }
    work.push({
      cmd: { ...cmd, startLine: loc.startLine, endLine: loc.endLine },
      number: stage.stepNumber,
      trigger: true,
    });
  }
  stage.commands.forEach((cmd, i) => work.push({ cmd, number: stage.stepNumber + 1 + i, trigger: false }));

  const steps: ResolvedStep[] = [];
  for (const { cmd, number, trigger } of work) {
    let outcome: StepOutcome;
    try {
      outcome = await dispatch(state, cmd, ctx);
    } catch (err) {
      throw locationError(cmd, err);
    }
    const cacheInputs = inputsOf(outcome);
    const cacheKey = chainKey(parentKey, cacheInputs);
    parentKey = cacheKey;
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
    if (outcome.op === 'config') steps.push({ ...common, op: 'config' });
    else if (outcome.op === 'workdir')
      steps.push({ ...common, op: 'workdir', path: outcome.path, user: state.config.User ?? '' });
    else if (outcome.op === 'run') steps.push({ ...common, op: 'run', ...outcome.spec });
    else steps.push({ ...common, op: outcome.op, ...outcome.spec });
  }
  return { stage, from, steps, finalConfig: cloneConfig(state.config), finalKey: parentKey, buildArgs };
}
