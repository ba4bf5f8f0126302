/**
 * Applies one command to a stage's state (image config, declared ARGs), as the classic builder's
 * dispatchers do, and returns what the step means for the executor and the cache key. No I/O
 * except resolving COPY/ADD sources through the given resolver.
 */
import path from 'node:path/posix';
import { InvalidArgument } from '../../errdefs';
import { withPrefix } from '../errors';
import { runArgsWithHeredocs } from '../instructions/commands-exec';
import { parseRunMount } from '../instructions/run-mount';
import type { AddCommand, Command, CommandLine, CopyCommand, RunCommand, RunMount } from '../instructions/types';
import { envFromList } from '../shell-lexer';
import type { BuildArgs } from './build-args';
import { sha256Hex } from './cache-key';
import { expandCommand, type Expander, makeExpander } from './expand';
import { goList, goQuoteList, healthcheckText, type ImageConfig, setEnv, shellOf } from './image-config';
import { exposedPorts } from './ports';
import { parseSignal } from './signals';
import type { CopySourceItem, CopySourceResolver, CopySpec, RunSpec, SourceRef } from './types';

export interface StageState {
  config: ImageConfig;
  buildArgs: BuildArgs;
  /** CMD was set in this stage (ENTRYPOINT then keeps it). */
  cmdSet: boolean;
  author?: string;
}

export interface DispatchContext {
  escapeToken: string;
  sources: CopySourceResolver;
  /** COPY --from / mount from= → stage or image. */
  resolveRef(nameOrIndex: string): SourceRef;
}

/** The step-specific part of a resolved step. */
export type StepOutcome =
  | { op: 'config'; comment: string; notes?: string[] }
  | { op: 'workdir'; path: string; comment: string }
  | { op: 'run'; spec: RunSpec; savedCmd: string[] }
  | { op: 'copy' | 'add'; spec: CopySpec; comment: string };

export function expanderFor(state: StageState, escapeToken: string): Expander {
  const env = state.config.Env ?? [];
  return makeExpander(escapeToken, envFromList([...env, ...state.buildArgs.filterAllowed(env)]));
}

function resolveCmdLine(cmd: CommandLine, config: ImageConfig, emptyAsNil: boolean): string[] | null {
  if (emptyAsNil && cmd.args.length === 0) return null;
  return cmd.prependShell ? [...shellOf(config), ...cmd.args] : [...cmd.args];
}

/** Go's filepath.Join / Clean semantics: no trailing slash. */
export function normalizeWorkdir(current: string, requested: string): string {
  if (requested === '') throw new Error('cannot normalize nothing');
  const p = path.isAbsolute(requested) ? path.normalize(requested) : path.join('/', current, requested);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/** Relative destinations are relative to WORKDIR; a trailing slash (or `.`) marks a directory. */
export function normalizeDest(workdir: string, dest: string): { dest: string; isDir: boolean } {
  const isDir = dest === '' || dest === '.' || dest.endsWith('/') || dest.endsWith('/.');
  let abs = path.isAbsolute(dest) ? path.normalize(dest) : path.join('/', workdir, dest);
  if (abs.length > 1 && abs.endsWith('/')) abs = abs.slice(0, -1);
  return { dest: isDir && abs !== '/' ? abs + '/' : abs, isDir };
}

function parseChmod(chmod: string | undefined): number | undefined {
  if (chmod === undefined || chmod === '') return undefined;
  if (!/^[0-7]{1,4}$/.test(chmod)) {
    throw new Error(`invalid chmod parameter: '${chmod}'. it should be octal string and between 0 and 07777`);
  }
  return Number.parseInt(chmod, 8);
}

/** The RUN command Docker stores and probes the cache with: build args as `|N K=V …` before it. */
function saveCmd(state: StageState, argsEnv: string[], argv: string[]): string[] {
  if (argsEnv.length === 0) return argv;
  const kept = argsEnv.filter((e) => state.buildArgs.isReferencedOrNotBuiltin(e.slice(0, e.indexOf('=')))).sort();
  return [`|${kept.length}`, ...kept, ...argv];
}

/**
 * A bind mount's content is an input of the RUN (BuildKit keys it by content too): resolve its
 * source like a COPY source, which also gives the executor the host path to mount.
 */
async function bindSource(m: RunMount, from: SourceRef, ctx: DispatchContext): Promise<CopySourceItem | undefined> {
  if (m.type !== 'bind') return undefined;
  try {
    const [item] = await ctx.sources.resolve({ from, sources: [m.source || '/'], excludes: [], add: false });
    return item;
  } catch (err) {
    throw withPrefix(err, `failed to mount ${m.source || '/'} at ${m.target ?? ''}: `);
  }
}

async function dispatchRun(state: StageState, c: RunCommand, ex: Expander, ctx: DispatchContext): Promise<StepOutcome> {
  const { config } = state;
  const { args, scriptFile } = runArgsWithHeredocs(c);
  const argv = c.cmd.prependShell ? [...shellOf(config), ...args] : args;
  const env = config.Env ?? [];
  const argsEnv = state.buildArgs.filterAllowed(env);
  const mounts = c.mounts.map((m) => parseRunMount(m, (w) => ex.word(w)));
  const mountSources: SourceRef[] = mounts.map((m) => (m.from ? ctx.resolveRef(m.from) : { kind: 'context' }));
  const bindSources: (CopySourceItem | undefined)[] = [];
  for (let i = 0; i < mounts.length; i++) {
    bindSources.push(await bindSource(mounts[i] as RunMount, mountSources[i] as SourceRef, ctx));
  }
  const spec: RunSpec = {
    argv,
    env: [...env, ...argsEnv],
    user: config.User ?? '',
    workdir: config.WorkingDir || '/',
    mounts,
    mountSources,
    bindSources,
    files: scriptFile ? [{ path: `/dev/pipes/${scriptFile.name}`, data: scriptFile.data, mode: 0o755 }] : [],
  };
  if (c.network) spec.network = c.network;
  if (c.security) spec.security = c.security;
  return { op: 'run', spec, savedCmd: saveCmd(state, argsEnv, argv) };
}

async function dispatchCopy(
  state: StageState,
  c: CopyCommand | AddCommand,
  ctx: DispatchContext,
): Promise<StepOutcome> {
  const from: SourceRef = c.kind === 'copy' && c.from !== undefined ? ctx.resolveRef(c.from) : { kind: 'context' };
  const chmod = parseChmod(c.chmod);
  const { dest, isDir } = normalizeDest(state.config.WorkingDir ?? '', c.dest);
  const req: Parameters<CopySourceResolver['resolve']>[0] = {
    from,
    sources: c.sources,
    excludes: c.excludes,
    add: c.kind === 'add',
  };
  if (c.kind === 'add' && c.checksum !== undefined) req.checksum = c.checksum;
  const name = c.kind.toUpperCase();
  let sources: CopySourceItem[] = [];
  try {
    if (c.sources.length > 0) sources = await ctx.sources.resolve(req);
  } catch (err) {
    throw withPrefix(err, `${name} failed: `);
  }
  if (sources.length + c.contents.length === 0)
    throw new InvalidArgument(`${name} failed: no source files were specified`);
  if (sources.length + c.contents.length > 1 && !isDir) {
    throw new InvalidArgument(
      `When using ${name} with more than one source file, the destination must be a directory and end with a /`,
    );
  }
  for (const s of sources) {
    if (s.kind === 'url' && s.filename === undefined && isDir) {
      throw new InvalidArgument(`cannot determine filename for source ${s.url}`);
    }
  }
  const digests = [...sources.map((s) => s.digest), ...c.contents.map((f) => `heredoc:${f.path}`)];
  // Docker's history text: one source's digest, or `multi:` + sha256 of them all.
  const srcHash = digests.length === 1 ? (digests[0] as string) : `multi:${sha256Hex(digests.join(','))}`;
  const chownPart = c.chown ? `--chown=${c.chown} ` : '';
  const spec: CopySpec = {
    from,
    sources,
    contents: c.contents.map((f) => ({ name: f.path, data: f.data })),
    dest,
    destIsDir: isDir,
    link: c.link,
    excludes: c.excludes,
    extractArchives: c.kind === 'add',
    preserveOwnership: from.kind !== 'context' && !c.chown,
  };
  if (c.chown) spec.chown = c.chown;
  if (chmod !== undefined) spec.chmod = chmod;
  if (c.kind === 'add' && c.checksum) spec.checksum = c.checksum;
  return { op: c.kind, spec, comment: `${name} ${chownPart}${srcHash} in ${dest} ` };
}

/** Applies `cmd` (already parsed, not yet expanded) to `state`. */
export async function dispatch(state: StageState, raw: Command, ctx: DispatchContext): Promise<StepOutcome> {
  const ex = expanderFor(state, ctx.escapeToken);
  const c = expandCommand(raw, ex);
  const config = state.config;
  switch (c.kind) {
    case 'env':
      for (const e of c.env) config.Env = setEnv(config.Env ?? [], e.key, e.value);
      return { op: 'config', comment: 'ENV' + c.env.map((e) => ` ${e.key}=${e.value}`).join('') };
    case 'maintainer':
      state.author = c.maintainer;
      return { op: 'config', comment: `MAINTAINER ${c.maintainer}` };
    case 'label':
      config.Labels = { ...(config.Labels ?? {}) };
      for (const l of c.labels) config.Labels[l.key] = l.value;
      return { op: 'config', comment: 'LABEL' + c.labels.map((l) => ` ${l.key}=${l.value}`).join('') };
    case 'onbuild':
      config.OnBuild = [...(config.OnBuild ?? []), c.expression];
      return { op: 'config', comment: `ONBUILD ${c.expression}` };
    case 'workdir':
      config.WorkingDir = normalizeWorkdir(config.WorkingDir ?? '', c.path);
      return { op: 'workdir', path: config.WorkingDir, comment: `WORKDIR ${config.WorkingDir}` };
    case 'run':
      return dispatchRun(state, c, ex, ctx);
    case 'cmd':
      config.Cmd = resolveCmdLine(c.cmd, config, false);
      if (c.cmd.args.length > 0) state.cmdSet = true;
      return { op: 'config', comment: `CMD ${goQuoteList(config.Cmd)}` };
    case 'healthcheck': {
      const notes: string[] = [];
      const old = config.Healthcheck?.Test;
      if (old && old.length > 0 && old[0] !== 'NONE')
        notes.push(`Note: overriding previous HEALTHCHECK: ${goList(old)}`);
      const h = c.health;
      config.Healthcheck = { Test: [...h.test] };
      if (h.interval !== undefined) config.Healthcheck.Interval = h.interval;
      if (h.timeout !== undefined) config.Healthcheck.Timeout = h.timeout;
      if (h.startPeriod !== undefined) config.Healthcheck.StartPeriod = h.startPeriod;
      if (h.startInterval !== undefined) config.Healthcheck.StartInterval = h.startInterval;
      if (h.retries !== undefined) config.Healthcheck.Retries = h.retries;
      return { op: 'config', comment: `HEALTHCHECK ${healthcheckText(config.Healthcheck)}`, notes };
    }
    case 'entrypoint':
      config.Entrypoint = resolveCmdLine(c.cmd, config, true);
      if (!state.cmdSet) config.Cmd = null;
      return { op: 'config', comment: `ENTRYPOINT ${goQuoteList(config.Entrypoint)}` };
    case 'expose':
      config.ExposedPorts = { ...(config.ExposedPorts ?? {}) };
      for (const p of c.ports) for (const k of exposedPorts(p)) config.ExposedPorts[k] = {};
      return { op: 'config', comment: `EXPOSE ${c.ports.join(' ')}` };
    case 'user':
      config.User = c.user;
      return { op: 'config', comment: `USER ${c.user}` };
    case 'volume':
      config.Volumes = { ...(config.Volumes ?? {}) };
      for (const v of c.volumes) {
        if (v === '') throw new Error('VOLUME specified can not be an empty string');
        config.Volumes[v] = {};
      }
      return { op: 'config', comment: `VOLUME ${goList(c.volumes)}` };
    case 'stopsignal':
      parseSignal(c.signal);
      config.StopSignal = c.signal;
      return { op: 'config', comment: `STOPSIGNAL ${c.signal}` };
    case 'arg':
      for (const a of c.args) state.buildArgs.addArg(a.key, a.value);
      return {
        op: 'config',
        comment: 'ARG ' + c.args.map((a) => (a.value === undefined ? a.key : `${a.key}=${a.value}`)).join(' '),
      };
    case 'shell':
      config.Shell = [...c.shell];
      return { op: 'config', comment: `SHELL ${goList(c.shell)}` };
    case 'copy':
    case 'add':
      return dispatchCopy(state, c, ctx);
  }
}
