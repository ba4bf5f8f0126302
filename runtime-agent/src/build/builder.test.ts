/**
 * runBuild against an in-memory backend: the message sequence dockerd's classic builder prints,
 * cache reuse across builds, failures, cancellation and multi-stage sources.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BaseImage,
  type BuildBackend,
  type BuildState,
  type MountedRoot,
  RunFailedError,
  type RunIO,
} from './backend';
import { BuildCancelledError, type BuildRequest, runBuild, writeBuildError } from './builder';
import { BuildContext } from './context/build-context';
import { BuildOutput } from './output';
import type { ImageConfig } from './planner/image-config';
import type { ConfigStep, CopyStep, ResolvedStage, RunStep, WorkdirStep } from './planner/types';

const hash = (s: string): string => 'sha256:' + createHash('sha256').update(s).digest('hex');

interface FakeState extends BuildState {
  files: Record<string, string>;
}

class FakeBackend implements BuildBackend {
  readonly cache = new Map<string, FakeState>();
  readonly containers = new Set<string>();
  readonly calls: string[] = [];
  readonly images = new Map<string, { config: ImageConfig }>();
  private n = 0;

  private next(parent: FakeState, files: Record<string, string> = {}): FakeState {
    return { id: hash(`state-${++this.n}-${parent.id}`), files: { ...parent.files, ...files } };
  }

  async baseImage(ref: string, opts: { pull: boolean }): Promise<BaseImage> {
    this.calls.push(`base ${ref}${opts.pull ? ' pull' : ''}`);
    const config: ImageConfig =
      ref === 'trigger-base' ? { OnBuild: ['RUN echo from trigger > /trigger'] } : { Env: ['PATH=/bin'], Cmd: ['sh'] };
    return { state: { id: hash(ref), files: { '/etc/os-release': ref } } as FakeState, imageId: hash(ref), config };
  }
  async scratch(): Promise<BaseImage> {
    return { state: { id: hash('scratch'), files: {} } as FakeState, imageId: '', config: {} };
  }
  async cacheLookup(key: string): Promise<BuildState | undefined> {
    return this.cache.get(key);
  }
  async cacheStore(key: string, state: BuildState): Promise<void> {
    this.cache.set(key, state as FakeState);
  }
  async run(parent: BuildState, step: RunStep, io: RunIO): Promise<BuildState> {
    const cid = createHash('sha256').update(`c${++this.n}`).digest('hex');
    this.containers.add(cid);
    io.onContainer(cid);
    this.calls.push(`run ${step.argv.join(' ')}`);
    const script = step.argv[step.argv.length - 1] ?? '';
    const exit = /exit (\d+)/.exec(script);
    if (exit) {
      io.stderr('failing\n');
      throw new RunFailedError(Number(exit[1]), step.argv);
    }
    io.stdout(`ran: ${script}\n`);
    const write = /echo (.*) > (\S+)/.exec(script);
    return this.next(parent as FakeState, write ? { [write[2] as string]: write[1] as string } : {});
  }
  async removeContainer(id: string): Promise<void> {
    this.containers.delete(id);
  }
  async copy(parent: BuildState, step: CopyStep): Promise<BuildState> {
    this.calls.push(`copy ${step.dest}`);
    const files: Record<string, string> = {};
    for (const s of step.sources) {
      if (s.kind === 'path' && s.type === 'file') {
        const name = step.destIsDir ? step.dest + path.basename(s.path) : step.dest;
        files[name] = fs.readFileSync(s.hostPath, 'utf8');
      }
    }
    return this.next(parent as FakeState, files);
  }
  async workdir(parent: BuildState, step: WorkdirStep): Promise<BuildState> {
    return this.next(parent as FakeState, { [step.path + '/']: '' });
  }
  async config(parent: BuildState, _step: ConfigStep): Promise<BuildState> {
    return this.next(parent as FakeState);
  }
  async mount(source: { kind: 'state'; state: BuildState } | { kind: 'image'; ref: string }): Promise<MountedRoot> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fake-mount-'));
    const files = source.kind === 'state' ? (source.state as FakeState).files : {};
    for (const [p, data] of Object.entries(files)) {
      if (p.endsWith('/')) continue;
      fs.mkdirSync(path.join(dir, path.dirname(p)), { recursive: true });
      fs.writeFileSync(path.join(dir, p), data);
    }
    this.calls.push(`mount ${source.kind}`);
    return { dir, release: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  async commitImage(last: BuildState, stage: ResolvedStage): Promise<string> {
    const id = hash(`image-${last.id}`);
    this.images.set(id, { config: stage.finalConfig });
    return id;
  }
  async tag(_id: string, refs: readonly string[]): Promise<string[]> {
    return refs.map((r) => (r.includes(':') ? r : `${r}:latest`));
  }
}

let tmp: string;
let backend: FakeBackend;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-builder-test-'));
  backend = new FakeBackend();
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function build(dockerfile: string, opts: Partial<BuildRequest> & { quiet?: boolean } = {}) {
  fs.writeFileSync(path.join(tmp, 'Dockerfile'), dockerfile);
  const context = await BuildContext.fromDirectory(tmp);
  const messages: string[] = [];
  const out = new BuildOutput((c) => messages.push(c), opts.quiet ?? false);
  const req: BuildRequest = {
    context,
    options: { buildPlatform: { os: 'linux', architecture: 'amd64' } },
    tags: ['test'],
    noCache: false,
    pull: false,
    removeContainers: true,
    signal: new AbortController().signal,
    ...opts,
  };
  try {
    const result = await runBuild(req, backend, out);
    return { result, out, text: render(messages) };
  } catch (error) {
    if (out.started) writeBuildError(out, error);
    return { error, out, text: render(messages) };
  } finally {
    await context.dispose();
  }
}

/** The stream as the docker CLI shows it. */
function render(messages: string[]): string {
  return messages
    .map((m) => JSON.parse(m) as { stream?: string; aux?: { ID: string }; error?: string })
    .map((m) => m.stream ?? (m.aux ? `[aux ${m.aux.ID.slice(7, 19)}]\n` : `[error] ${m.error}\n`))
    .join('')
    .replaceAll('\u001b[91m', '')
    .replaceAll('\u001b[0m', '');
}

const short = (id: string): string => id.slice(7, 19);

const DF = `FROM busybox
ENV A=1
COPY a.txt /a.txt
RUN echo hi > /hi
CMD ["sh"]
`;

describe('runBuild', () => {
  it("prints the classic builder's steps and builds the image", async () => {
    fs.writeFileSync(path.join(tmp, 'a.txt'), 'A');
    const { result, text } = await build(DF);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Step 1/5 : FROM busybox');
    expect(lines[1]).toBe(` ---> ${short(hash('busybox'))}`);
    expect(lines.slice(2, 9).map((l) => l.replace(/[0-9a-f]{12}/g, '<id>'))).toEqual([
      'Step 2/5 : ENV A=1',
      ' ---> <id>',
      'Step 3/5 : COPY a.txt /a.txt',
      ' ---> <id>',
      'Step 4/5 : RUN echo hi > /hi',
      ' ---> Running in <id>',
      'ran: echo hi > /hi',
    ]);
    expect(lines.slice(9).map((l) => l.replace(/[0-9a-f]{12}/g, '<id>'))).toEqual([
      'Removing intermediate container <id>',
      ' ---> <id>',
      'Step 5/5 : CMD ["sh"]',
      ' ---> <id>',
      '[aux <id>]',
      'Successfully built <id>',
      'Successfully tagged test:latest',
      '',
    ]);
    expect(text).toContain(`Successfully built ${short(result?.imageId ?? '')}`);
    expect(backend.containers.size).toBe(0);
    expect(backend.images.get(result?.imageId ?? '')?.config).toEqual({ Env: ['PATH=/bin', 'A=1'], Cmd: ['sh'] });
  });

  it('reuses the cache for an unchanged rebuild and re-runs from a changed COPY on', async () => {
    fs.writeFileSync(path.join(tmp, 'a.txt'), 'A');
    const first = await build(DF);
    const runs = backend.calls.filter((c) => c.startsWith('run')).length;
    const second = await build(DF);
    expect(second.text.match(/ ---> Using cache/g)).toHaveLength(4);
    expect(second.result?.imageId).toBe(first.result?.imageId);
    expect(backend.calls.filter((c) => c.startsWith('run'))).toHaveLength(runs);

    fs.writeFileSync(path.join(tmp, 'a.txt'), 'changed');
    const third = await build(DF);
    expect(third.text.match(/ ---> Using cache/g)).toHaveLength(1);
    expect(third.text).toMatch(/Step 2\/5 : ENV A=1\n ---> Using cache\n/);
    expect(third.text).toMatch(/Step 4\/5 : RUN echo hi > \/hi\n ---> Running in /);
    expect(third.result?.imageId).not.toBe(first.result?.imageId);

    const nocache = await build(DF, { noCache: true });
    expect(nocache.text).not.toContain('Using cache');
  });

  it('reports a failing RUN with its exit code and removes its container', async () => {
    const { error, text, out } = await build('FROM busybox\nRUN exit 7\nRUN echo never\n');
    expect(error).toBeInstanceOf(RunFailedError);
    expect(out.started).toBe(true);
    expect(text).toMatch(
      /Step 2\/3 : RUN exit 7\n ---> Running in [0-9a-f]{12}\nfailing\nRemoving intermediate container/,
    );
    expect(text).toContain("[error] The command '/bin/sh -c exit 7' returned a non-zero code: 7");
    expect(backend.containers.size).toBe(0);
    expect(backend.calls).not.toContain('run /bin/sh -c echo never');
  });

  it('keeps containers when asked to (rm=0)', async () => {
    await build('FROM busybox\nRUN true\n', { removeContainers: false });
    expect(backend.containers.size).toBe(1);
  });

  it('throws Dockerfile errors before any output (an HTTP error for the caller)', async () => {
    const { error, out } = await build('FROM busybox\nRUNN x\n');
    expect(out.started).toBe(false);
    expect((error as Error).message).toBe(
      'Dockerfile parse error on line 2: unknown instruction: RUNN (did you mean RUN?)',
    );
  });

  it('stops with "Build cancelled" when the client goes away', async () => {
    const ac = new AbortController();
    ac.abort();
    const { error, text } = await build('FROM busybox\nRUN true\n', { signal: ac.signal });
    expect(error).toBeInstanceOf(BuildCancelledError);
    expect(text).toBe('Build cancelled\n[error] Build cancelled\n');
    expect(backend.calls).toEqual([]);
  });

  it('builds the stages the target needs and copies between them', async () => {
    const df = `FROM busybox AS build
RUN echo artifact > /out/app
FROM busybox AS unused
RUN echo never
FROM scratch
COPY --from=build /out/app /app
`;
    const { result, text } = await build(df);
    expect(text).toContain('Step 1/4 : FROM busybox AS build');
    expect(text).not.toContain('unused');
    expect(text).toContain('Step 3/4 : FROM scratch');
    expect(text.match(/\[aux /g)).toHaveLength(2);
    expect(backend.calls).toContain('mount state');
    expect(result?.stages.map((s) => s.stage.index)).toEqual([0, 2]);
    expect(fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith('berth-fake-mount-'))).toEqual([]);
  });

  it('runs ONBUILD triggers of the base image under its FROM step', async () => {
    const { text } = await build('FROM trigger-base\nRUN echo own > /own\n');
    expect(text.replace(/[0-9a-f]{12}/g, '<id>')).toMatch(
      /^Step 1\/2 : FROM trigger-base\n# Executing 1 build trigger\n ---> Running in <id>\nran: echo from trigger > \/trigger\nRemoving intermediate container <id>\n ---> <id>\nStep 2\/2 : RUN echo own > \/own\n/,
    );
  });

  it('writes only the image ID in quiet mode, and passes pull and the unused build args warning', async () => {
    const { text, result } = await build('FROM busybox\nARG USED\n', {
      quiet: true,
      pull: true,
      options: { buildArgs: { USED: '1', EXTRA: '2' }, buildPlatform: { os: 'linux', architecture: 'amd64' } },
    });
    expect(text).toBe(`${result?.imageId}\n`);
    expect(backend.calls).toContain('base busybox pull');
    const loud = await build('FROM busybox\nARG USED\n', {
      options: { buildArgs: { USED: '1', EXTRA: '2' }, buildPlatform: { os: 'linux', architecture: 'amd64' } },
    });
    expect(loud.text).toContain('[Warning] One or more build-args [EXTRA] were not consumed\n');
  });
});
