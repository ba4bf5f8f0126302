import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BuildContext } from '../context/build-context';
import { ContextSourceResolver } from '../context/resolver';
import { loadDockerfile } from '../dockerfile';
import { planBuild, unusedBuildArgs } from './plan';
import { resolveStage } from './resolve-stage';
import type { BuildOptions, ResolvedStage } from './types';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-plan-test-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const BASE_ID = 'sha256:' + 'b'.repeat(64);

/** Plans and resolves every stage against a directory context; returns the stages. */
async function resolveAll(dockerfile: string, opts: BuildOptions = {}, baseId = BASE_ID): Promise<ResolvedStage[]> {
  const ctx = await BuildContext.fromDirectory(tmp, { dockerfileText: dockerfile });
  try {
    const plan = planBuild(loadDockerfile(dockerfile).instructions, {
      buildPlatform: { os: 'linux', architecture: 'amd64' },
      ...opts,
    });
    const sources = new ContextSourceResolver(ctx);
    const out = new Map<number, ResolvedStage>();
    for (const s of plan.stages) {
      const parent = s.base.kind === 'stage' ? out.get(s.base.index) : undefined;
      const input = parent
        ? { baseKey: parent.finalKey, baseConfig: parent.finalConfig, sources }
        : { baseKey: s.base.kind === 'scratch' ? '' : baseId, baseConfig: {}, sources };
      out.set(s.index, await resolveStage(plan, s.index, input));
    }
    return [...out.values()];
  } finally {
    await ctx.dispose();
  }
}

const keys = async (df: string, opts: BuildOptions = {}, baseId = BASE_ID): Promise<string[]> => {
  const stages = await resolveAll(df, opts, baseId);
  return stages.flatMap((s) => [s.from.cacheKey, ...s.steps.map((st) => st.cacheKey)]);
};

/** Indexes where two key chains differ. */
const changed = (a: string[], b: string[]): number[] => a.flatMap((k, i) => (k === b[i] ? [] : [i]));

const write = (name: string, data: string): void => fs.writeFileSync(path.join(tmp, name), data);

describe('cache keys', () => {
  const DF = `FROM busybox
ENV A=1
COPY a.txt /a.txt
RUN echo $A
COPY b.txt /b.txt
RUN echo done
`;
  beforeEach(() => {
    write('a.txt', 'a');
    write('b.txt', 'b');
  });

  it('are stable for identical inputs and ignore file timestamps', async () => {
    const k0 = await keys(DF);
    expect(new Set(k0).size).toBe(6);
    fs.utimesSync(path.join(tmp, 'a.txt'), new Date(0), new Date(0));
    expect(await keys(DF)).toEqual(k0);
  });

  it('change from the step whose copied file changed onward, and only there', async () => {
    const k0 = await keys(DF);
    write('b.txt', 'b changed');
    const k1 = await keys(DF);
    expect(changed(k0, k1)).toEqual([4, 5]);
    write('a.txt', 'a changed');
    expect(changed(k1, await keys(DF))).toEqual([2, 3, 4, 5]);
  });

  it('change everywhere when the base image changes', async () => {
    const k0 = await keys(DF);
    expect(changed(k0, await keys(DF, {}, 'sha256:' + 'c'.repeat(64)))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('follow the expanded instruction, not its spelling', async () => {
    const k0 = await keys(DF);
    expect(changed(k0, await keys(DF.replace('ENV A=1', 'ENV   A=1')))).toEqual([]);
    expect(changed(k0, await keys(DF.replace('ENV A=1', 'ENV A 1')))).toEqual([]);
    expect(changed(k0, await keys(DF.replace('ENV A=1', 'ENV A=2')))).toEqual([1, 2, 3, 4, 5]);
    expect(changed(k0, await keys(DF.replace('RUN echo done', 'RUN echo  done')))).toEqual([5]);
  });

  it('include build args a RUN sees, but not predefined proxy args unless declared', async () => {
    const df = `FROM busybox
ARG V=default
RUN echo before
ARG W
RUN echo $V $W
`;
    const k0 = await keys(df);
    expect(changed(k0, await keys(df, { buildArgs: { V: 'default' } }))).toEqual([]);
    expect(changed(k0, await keys(df, { buildArgs: { W: 'w' } }))).toEqual([4]);
    expect(changed(k0, await keys(df, { buildArgs: { V: 'other' } }))).toEqual([2, 3, 4]);
    expect(changed(k0, await keys(df, { buildArgs: { HTTP_PROXY: 'http://p:3128', UNUSED: 'x' } }))).toEqual([]);
    const withProxy = df.replace('ARG W', 'ARG W\nARG HTTP_PROXY');
    const kp = await keys(withProxy);
    expect(changed(kp, await keys(withProxy, { buildArgs: { HTTP_PROXY: 'http://p:3128' } }))).toEqual([5]);
  });

  it('key RUN bind mounts by content, cache mounts by spec', async () => {
    const df = `FROM busybox
RUN --mount=type=bind,source=a.txt,target=/a cat /a
RUN --mount=type=cache,target=/cache true
`;
    const k0 = await keys(df);
    write('b.txt', 'unrelated');
    expect(changed(k0, await keys(df))).toEqual([]);
    write('a.txt', 'mounted content changed');
    expect(changed(k0, await keys(df))).toEqual([1, 2]);
  });

  it('chain stage keys: a change in a dependency stage changes the dependent stage', async () => {
    const df = `FROM busybox AS build
COPY a.txt /a
FROM build
RUN echo x
`;
    const k0 = await keys(df);
    write('a.txt', 'changed');
    expect(changed(k0, await keys(df))).toEqual([1, 2, 3]);
  });
});

describe('planBuild', () => {
  it('numbers steps like the classic builder, counting global ARGs and API labels', () => {
    const df = `ARG A=1
ARG B=2
FROM busybox AS one
RUN one
FROM one
RUN two
CMD x
`;
    const plan = planBuild(loadDockerfile(df).instructions, { labels: { z: '1', a: '2' } });
    expect(plan.totalSteps).toBe(2 + 2 + 3 + 2);
    expect(plan.metaArgSteps.map((m) => m.number)).toEqual([1, 2]);
    expect(plan.stages.map((s) => [s.stepNumber, s.commands.map((c) => c.text)])).toEqual([
      [3, ['RUN one']],
      [5, ['RUN two', 'CMD x', 'LABEL a=2', 'LABEL z=1']],
    ]);
  });

  it('builds only the target and the stages it needs', () => {
    const df = `FROM busybox AS a
FROM busybox AS b
FROM a AS c
RUN --mount=from=b,target=/b true
FROM busybox AS d
COPY --from=c / /
FROM busybox AS e
`;
    const pick = (target?: string): number[] =>
      planBuild(loadDockerfile(df).instructions, target ? { target } : {}).stages.map((s) => s.index);
    expect(pick()).toEqual([4]);
    expect(pick('d')).toEqual([0, 1, 2, 3]);
    expect(pick('C')).toEqual([0, 1, 2]);
    expect(pick('a')).toEqual([0]);
    expect(() => pick('zzz')).toThrow('target stage "zzz" could not be found');
  });

  it('warns about build args no built stage declared', async () => {
    const df = `ARG GLOBAL
FROM busybox AS skipped
ARG ONLY_IN_SKIPPED
FROM busybox
ARG USED
`;
    const opts = { buildArgs: { GLOBAL: '1', ONLY_IN_SKIPPED: '2', USED: '3', NOBODY: '4', https_proxy: 'p' } };
    const plan = planBuild(loadDockerfile(df).instructions, opts);
    const stages = await resolveAll(df, opts);
    expect(unusedBuildArgs(plan, stages)).toEqual(['NOBODY', 'ONLY_IN_SKIPPED']);
  });

  it('rejects a bad --platform with a clear message', () => {
    expect(() => planBuild(loadDockerfile('FROM x\n').instructions, { platform: 'linux/amd64/v2/x' })).toThrow(
      /failed to parse platform linux\/amd64\/v2\/x/,
    );
  });
});
