/**
 * Golden tests: testdata/<case>/Dockerfile (+ options.json, context/, symlinks.json, stage-<n>/)
 * → expected.json.
 * Each case runs the whole front of the pipeline: parser, instruction model, planner and stage
 * resolution (with fake base images), and records either the plan or the error with its line.
 * `BERTH_UPDATE_GOLDEN=1` rewrites expected.json (review the diff before committing).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorKind } from '../errdefs';
import { BuildContext } from './context/build-context';
import { ContextSourceResolver } from './context/resolver';
import { loadDockerfile } from './dockerfile';
import { locationOf } from './errors';
import { DEFAULT_PATH, type ImageConfig } from './planner/image-config';
import { planBuild, unusedBuildArgs } from './planner/plan';
import { resolveStage } from './planner/resolve-stage';
import type { BuildOptions, CopySourceResolver, ResolvedStage, ResolvedStep } from './planner/types';
import type { InstructionNode } from './parser/types';

const TESTDATA = path.join(import.meta.dirname, 'testdata');
const UPDATE = process.env.BERTH_UPDATE_GOLDEN === '1';

interface CaseOptions extends BuildOptions {
  /** Config of each base image by reference. */
  images?: Record<string, ImageConfig>;
  dockerfile?: string;
}

const cases = fs
  .readdirSync(TESTDATA, { withFileTypes: true })
  .filter((d) => d.isDirectory() && fs.existsSync(path.join(TESTDATA, d.name, 'Dockerfile')))
  .map((d) => d.name)
  .sort();

function ast(n: InstructionNode): unknown {
  const out: Record<string, unknown> = { line: n.startLine === n.endLine ? n.startLine : [n.startLine, n.endLine] };
  out[n.keyword] = n.json ? { exec: n.args } : n.args;
  if (n.flags.length > 0) out.flags = n.flags;
  if (n.kv) out.kv = n.kv.map((p) => (p.legacy ? [p.key, p.value, 'legacy'] : [p.key, p.value]));
  if (n.heredocs.length > 0) out.heredocs = n.heredocs;
  return out;
}

function step(s: ResolvedStep): unknown {
  const base: Record<string, unknown> = { step: s.number, text: s.text, op: s.op };
  if (s.trigger) base.trigger = true;
  switch (s.op) {
    case 'config':
      break;
    case 'workdir':
      base.path = s.path;
      break;
    case 'run':
      base.argv = s.argv;
      // The default PATH, root user and / are left out to keep the files readable.
      if (s.env.length !== 1 || s.env[0] !== `PATH=${DEFAULT_PATH}`) base.env = s.env;
      if (s.user !== '') base.user = s.user;
      if (s.workdir !== '/') base.workdir = s.workdir;
      if (s.mounts.length > 0) {
        Object.assign(base, { mounts: s.mounts, mountSources: s.mountSources });
        base.bindSources = s.bindSources.map((b) => (b?.kind === 'path' ? { path: b.path, type: b.type } : null));
      }
      if (s.network) base.network = s.network;
      if (s.security) base.security = s.security;
      if (s.files.length > 0) base.files = s.files;
      break;
    default:
      Object.assign(base, {
        from: s.from,
        sources: s.sources.map((i) =>
          i.kind === 'url'
            ? { url: i.url, filename: i.filename }
            : { path: i.path, type: i.type, ...(i.archive ? { archive: i.archive.compression } : {}) },
        ),
        dest: s.dest,
        destIsDir: s.destIsDir,
      });
      if (s.contents.length > 0) base.contents = s.contents;
      for (const k of ['chown', 'chmod', 'checksum'] as const) if (s[k] !== undefined) base[k] = s[k];
      if (s.link) base.link = true;
      if (s.excludes.length > 0) base.excludes = s.excludes;
      if (s.preserveOwnership) base.preserveOwnership = true;
  }
  // Digests depend on file modes and owners of the checkout: tested in context/*.test.ts instead.
  base.createdBy = s.createdBy.replace(/\b(file|dir|multi|url):[0-9a-f]{64}\b/g, '$1:<digest>');
  if (s.author !== undefined) base.author = s.author;
  if (s.notes.length > 0) base.notes = s.notes;
  return base;
}

function fakeImageId(ref: string): string {
  return 'sha256:' + createHash('sha256').update(ref).digest('hex');
}

async function runCase(name: string): Promise<unknown> {
  const dir = path.join(TESTDATA, name);
  const optsPath = path.join(dir, 'options.json');
  const opts: CaseOptions = fs.existsSync(optsPath) ? JSON.parse(fs.readFileSync(optsPath, 'utf8')) : {};
  let contextDir = path.join(dir, 'context');
  let ctx: BuildContext | undefined;
  let copy: string | undefined;
  try {
    // Symlinks are not committed (checkouts and build tools handle them badly): symlinks.json
    // lists them, and the context is used from a temporary copy that has them.
    const links = path.join(dir, 'symlinks.json');
    if (fs.existsSync(links)) {
      copy = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-golden-'));
      fs.cpSync(contextDir, copy, { recursive: true });
      for (const [name, target] of Object.entries(
        JSON.parse(fs.readFileSync(links, 'utf8')) as Record<string, string>,
      )) {
        fs.symlinkSync(target, path.join(copy, name));
      }
      contextDir = copy;
    }
    let text: string;
    let sources: CopySourceResolver;
    if (fs.existsSync(contextDir)) {
      text = fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
      ctx = await BuildContext.fromDirectory(contextDir, { dockerfileText: text });
      sources = new ContextSourceResolver(ctx, async (ref) => {
        const p = path.join(
          dir,
          ref.kind === 'stage' ? `stage-${ref.index}` : `image-${ref.ref.replace(/[^a-z0-9]/gi, '_')}`,
        );
        if (!fs.existsSync(p)) throw new Error(`no fixture root ${path.basename(p)}`);
        return { dir: p, label: ref.kind === 'stage' ? `stage ${ref.index}` : `image ${ref.ref}` };
      });
    } else {
      text = fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
      sources = { resolve: async () => Promise.reject(new Error('this case has no context/ directory')) };
    }
    const { parsed, instructions } = loadDockerfile(text);
    const plan = planBuild(instructions, { buildPlatform: { os: 'linux', architecture: 'amd64' }, ...opts });
    const resolved = new Map<number, ResolvedStage>();
    for (const st of plan.stages) {
      const base = st.base;
      const parent = base.kind === 'stage' ? resolved.get(base.index) : undefined;
      const input =
        base.kind === 'scratch'
          ? { baseKey: '', sources }
          : base.kind === 'stage'
            ? { baseKey: parent?.finalKey ?? '', baseConfig: parent?.finalConfig ?? {}, sources }
            : { baseKey: fakeImageId(base.ref), baseConfig: opts.images?.[base.ref] ?? {}, sources };
      resolved.set(st.index, await resolveStage(plan, st.index, input));
    }
    const out: Record<string, unknown> = {};
    if (Object.keys(parsed.directives).length > 0) out.directives = parsed.directives;
    if (parsed.escapeToken !== '\\') out.escapeToken = parsed.escapeToken;
    if (parsed.warnings.length > 0) out.warnings = parsed.warnings;
    out.ast = parsed.nodes.map(ast);
    out.totalSteps = plan.totalSteps;
    if (plan.metaArgSteps.length > 0) out.metaArgs = plan.metaArgSteps.map((m) => ({ step: m.number, text: m.text }));
    out.stages = [...resolved.values()].map((r) => ({
      index: r.stage.index,
      ...(r.stage.name !== undefined ? { name: r.stage.name } : {}),
      base: r.stage.base,
      ...(r.stage.platform !== undefined ? { platform: r.stage.platform } : {}),
      ...(r.stage.dependsOn.length > 0 ? { dependsOn: r.stage.dependsOn } : {}),
      from: { step: r.from.number, text: r.from.text },
      steps: r.steps.map(step),
      config: r.finalConfig,
    }));
    const unused = unusedBuildArgs(plan, [...resolved.values()]);
    if (unused.length > 0) out.unusedBuildArgs = unused;
    return out;
  } catch (err) {
    const e = err as Error;
    const loc = locationOf(err);
    return { error: { kind: errorKind(err), message: e.message, ...(loc ? { line: loc.line } : {}) } };
  } finally {
    await ctx?.dispose();
    if (copy) fs.rmSync(copy, { recursive: true, force: true });
  }
}

describe('golden Dockerfiles (testdata/<case>)', () => {
  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });
  for (const name of cases) {
    it(name, async () => {
      const got = JSON.parse(JSON.stringify(await runCase(name)));
      const file = path.join(TESTDATA, name, 'expected.json');
      if (UPDATE || !fs.existsSync(file)) {
        fs.writeFileSync(file, JSON.stringify(got, null, 2) + '\n');
        if (!UPDATE) throw new Error(`wrote missing ${name}/expected.json: review it`);
      }
      expect(got).toEqual(JSON.parse(fs.readFileSync(file, 'utf8')));
    });
  }
});
