/**
 * Stages → build plan: global ARGs evaluated, FROM lines expanded, stage references resolved,
 * `--target` applied (only the target and the stages it needs are built), and steps numbered the
 * way the classic builder prints them (`Step 3/9 : …`, ARGs before FROM included).
 */
import { DockerfileError, stepError } from '../errors';
import { csvFields } from '../instructions/run-mount';
import type { ArgCommand, Command, DockerfileInstructions, LabelCommand, Stage } from '../instructions/types';
import { InvalidArgument } from '../../errdefs';
import { envFromMap, ShellLexError, ShellLexer } from '../shell-lexer';
import { BuildArgs } from './build-args';
import { makeExpander } from './expand';
import { formatPlatform, hostPlatform, parsePlatform, platformArgs } from './platform';
import type { BuildOptions, BuildPlan, MetaArgStep, PlannedStage, SourceRef, StageBase } from './types';

/** `nameOrIndex` as used by COPY --from / RUN --mount from=, seen from stage `current`. */
export function resolveStageRef(stages: readonly Stage[], current: number, nameOrIndex: string): SourceRef {
  const lower = nameOrIndex.toLowerCase();
  for (let i = 0; i < current; i++) {
    if ((stages[i] as Stage).name === lower) return { kind: 'stage', index: i };
  }
  if (/^[+-]?\d+$/.test(nameOrIndex)) {
    const ix = Number.parseInt(nameOrIndex, 10);
    if (ix === current) throw new Error('refers to current build stage');
    if (ix < 0 || ix > current) throw new Error('index out of bounds');
    return { kind: 'stage', index: ix };
  }
  return { kind: 'image', ref: nameOrIndex };
}

function lexError(err: unknown): string {
  return err instanceof ShellLexError ? err.message : String((err as Error).message ?? err);
}

function evaluateMetaArgs(metaArgs: ArgCommand[], escapeToken: string, args: BuildArgs): void {
  for (const cmd of metaArgs) {
    try {
      const ex = makeExpander(escapeToken, envFromMap(args.allAllowed()));
      for (const a of cmd.args) {
        const key = ex.word(a.key);
        const value = a.value === undefined ? undefined : ex.word(a.value);
        args.addArg(key, value);
        args.addMetaArg(key, value);
      }
    } catch (err) {
      throw stepError(cmd.startLine, cmd.endLine, lexError(err), err);
    }
  }
}

function refOrThrow(stages: readonly Stage[], current: number, value: string): SourceRef {
  try {
    return resolveStageRef(stages, current, value);
  } catch (err) {
    throw new Error(`invalid from flag value ${value}: ${(err as Error).message}`, { cause: err });
  }
}

function stageDependencies(stages: readonly Stage[], stage: Stage, base: StageBase): number[] {
  const deps = new Set<number>();
  if (base.kind === 'stage') deps.add(base.index);
  for (const cmd of stage.commands) {
    const refs: string[] = [];
    if (cmd.kind === 'copy' && cmd.from !== undefined) refs.push(cmd.from);
    if (cmd.kind === 'run') for (const spec of cmd.mounts) refs.push(...mountFrom(spec));
    for (const value of refs) {
      try {
        if (new ShellLexer().processWord(value, envFromMap({})).result !== value) {
          throw new Error(
            'variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround',
          );
        }
        const ref = refOrThrow(stages, stage.index, value);
        if (ref.kind === 'stage') deps.add(ref.index);
      } catch (err) {
        throw stepError(cmd.startLine, cmd.endLine, (err as Error).message, err);
      }
    }
  }
  return [...deps].sort((a, b) => a - b);
}

/** `from=` values of a mount spec (variables are not allowed there, so they can be read before expansion). */
function mountFrom(spec: string): string[] {
  return csvFields(spec)
    .filter((f) => f.toLowerCase().startsWith('from='))
    .map((f) => f.slice(5));
}

function expandBase(
  stage: Stage,
  stages: readonly Stage[],
  escapeToken: string,
  meta: Map<string, string>,
): {
  base: StageBase;
  platform?: string;
} {
  const ex = makeExpander(escapeToken, envFromMap(meta));
  let name: string;
  let platform: string | undefined;
  try {
    name = ex.word(stage.baseName);
    if (stage.platform !== undefined) {
      const p = ex.word(stage.platform);
      try {
        platform = formatPlatform(parsePlatform(p));
      } catch (err) {
        throw new Error(`failed to parse platform ${p}: ${(err as Error).message}`, { cause: err });
      }
    }
  } catch (err) {
    throw stepError(stage.startLine, stage.endLine, lexError(err), err);
  }
  if (name === '') throw stepError(stage.startLine, stage.endLine, `base name (${stage.baseName}) should not be blank`);
  const out: { base: StageBase; platform?: string } = { base: { kind: 'image', ref: name } };
  if (platform !== undefined) out.platform = platform;
  if (name.toLowerCase() === 'scratch') out.base = { kind: 'scratch' };
  const lower = name.toLowerCase();
  for (let i = 0; i < stage.index; i++) {
    if ((stages[i] as Stage).name === lower) out.base = { kind: 'stage', index: i };
  }
  return out;
}

function labelCommands(labels: Readonly<Record<string, string>> | undefined, at: Stage): LabelCommand[] {
  if (!labels) return [];
  return Object.keys(labels)
    .sort()
    .map((key) => ({
      kind: 'label',
      text: `LABEL ${key}=${labels[key] as string}`,
      labels: [{ key, value: labels[key] as string }],
      noExpand: true,
      startLine: at.endLine,
      endLine: at.endLine,
    }));
}

export function planBuild(df: DockerfileInstructions, opts: BuildOptions = {}): BuildPlan {
  const { stages, metaArgs, escapeToken } = df;
  const buildPlatform = opts.buildPlatform ?? hostPlatform();
  let targetPlatform = buildPlatform;
  if (opts.platform) {
    try {
      targetPlatform = parsePlatform(opts.platform);
    } catch (err) {
      throw new InvalidArgument(`failed to parse platform ${opts.platform}: ${(err as Error).message}`);
    }
  }
  const options = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(opts.buildArgs ?? {})) options.set(k, v ?? undefined);
  const globalArgs = new BuildArgs(options, platformArgs(targetPlatform, buildPlatform));
  evaluateMetaArgs(metaArgs, escapeToken, globalArgs);
  const meta = globalArgs.allMeta();

  const seen = new Map<string, Stage>();
  for (const s of stages) {
    if (s.name === undefined) continue;
    if (seen.has(s.name)) throw stepError(s.startLine, s.endLine, `${s.name} stage name already used`);
    seen.set(s.name, s);
  }

  const bases = stages.map((s) => expandBase(s, stages, escapeToken, meta));
  const deps = stages.map((s, i) => stageDependencies(stages, s, (bases[i] as { base: StageBase }).base));

  let targetIndex = stages.length - 1;
  if (opts.target) {
    const t = opts.target.toLowerCase();
    const found = stages.find((s) => s.name === t);
    if (!found) throw new InvalidArgument(`target stage "${opts.target}" could not be found`);
    targetIndex = found.index;
  }
  const needed = new Set<number>();
  const visit = (i: number): void => {
    if (needed.has(i)) return;
    needed.add(i);
    for (const d of deps[i] as number[]) visit(d);
  };
  visit(targetIndex);

  const metaArgSteps: MetaArgStep[] = metaArgs.map((a, i) => ({
    number: i + 1,
    text: a.text,
    startLine: a.startLine,
    endLine: a.endLine,
  }));
  let next = metaArgSteps.length + 1;
  const planned: PlannedStage[] = [];
  for (const s of stages) {
    if (!needed.has(s.index)) continue;
    const commands: Command[] = [...s.commands];
    if (s.index === targetIndex) commands.push(...labelCommands(opts.labels, s));
    const b = bases[s.index] as { base: StageBase; platform?: string };
    const p: PlannedStage = {
      index: s.index,
      text: s.text,
      startLine: s.startLine,
      endLine: s.endLine,
      stepNumber: next,
      base: b.base,
      commands,
      dependsOn: deps[s.index] as number[],
    };
    if (s.name !== undefined) p.name = s.name;
    if (b.platform !== undefined) p.platform = b.platform;
    planned.push(p);
    next += 1 + commands.length;
  }
  if (planned.length === 0) throw new DockerfileError(1, 'no build stage in current context');
  return {
    escapeToken,
    totalSteps: next - 1,
    metaArgSteps,
    stages: planned,
    dockerfileStages: stages,
    globalArgs,
    targetPlatform,
    buildPlatform,
  };
}

/** `--build-arg`s that no built stage (nor a global ARG) declared; Docker warns about them. */
export function unusedBuildArgs(plan: BuildPlan, resolved: readonly { buildArgs: BuildArgs }[]): string[] {
  const all = plan.globalArgs.clone();
  for (const r of resolved) all.mergeReferenced(r.buildArgs);
  return all.unused();
}
