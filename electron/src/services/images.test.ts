/**
 * Images and builds through the service layer against the fake engine: pull/push as tasks with
 * per-layer progress, tag/remove/prune, history, and builds from a folder, a tar and an upload with
 * the live log, cache state and history. Extend: run against startBerthd() once images/build land.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packTar } from '../bridge/tar';
import { startFakeEngine, type FakeEngine } from './testing/fake-engine';
import { createHarness, type Harness } from './testing/harness';

let engine: FakeEngine;
let h: Harness;
let hostId: string;

beforeAll(async () => {
  engine = await startFakeEngine();
  h = createHarness();
  hostId = await h.addLocalHost(engine.socketPath);
});
afterAll(async () => {
  await h.dispose();
  await engine.close();
});

describe('images', () => {
  it('pulls with per-layer progress events and ends with the image id', async () => {
    const { taskId } = await h.client.ok('images:pull', { hostId, ref: 'busybox:1.36' });
    const done = await h.client.ok('tasks:wait', { taskId });
    expect(done.state).toBe('succeeded');
    expect(done.result?.imageId).toMatch(/^sha256:/);
    expect(done.progress.layers).toHaveLength(2);
    expect(done.progress.layers.every((l) => l.done && l.current === l.total)).toBe(true);
    expect(done.progress.percent).toBe(100);
    const updates = h.client.events('tasks:update').filter((t) => t.id === taskId);
    expect(updates[0]!.state).toBe('running');
    const partial = updates.find(
      (u) => u.progress.percent !== undefined && u.progress.percent > 0 && u.progress.percent < 100,
    );
    expect(partial, 'a progress update between 0 and 100 %').toBeDefined();
    const images = await h.client.ok('images:list', { hostId });
    expect(images.find((i) => i.repoTags.includes('busybox:1.36'))).toMatchObject({ dangling: false, containers: 0 });
  });

  it('fails a pull with the registry error as a typed task error', async () => {
    const { taskId } = await h.client.ok('images:pull', { hostId, ref: 'nonexistent/thing' });
    const done = await h.client.ok('tasks:wait', { taskId });
    expect(done.state).toBe('failed');
    expect(done.error).toMatchObject({ code: 'NotFound', hostId });
    expect(done.error?.message).toMatch(/manifest unknown/);
    const denied = await h.client.ok('tasks:wait', {
      taskId: (await h.client.ok('images:pull', { hostId, ref: 'private/app' })).taskId,
    });
    expect(denied.error?.code).toBe('Unauthorized');
    const withAuth = await h.client.ok('tasks:wait', {
      taskId: (
        await h.client.ok('images:pull', { hostId, ref: 'private/app', auth: { username: 'me', password: 's3cret' } })
      ).taskId,
    });
    expect(withAuth.state).toBe('succeeded');
    // Credentials go in the X-Registry-Auth header, never in the URL the engine logs.
    expect(engine.world.requests.some((r) => r.includes('s3cret'))).toBe(false);
  });

  it('cancels a pull', async () => {
    const { taskId } = await h.client.ok('images:pull', { hostId, ref: 'slow/image' });
    const t = await h.client.ok('tasks:cancel', { taskId });
    expect(t.id).toBe(taskId);
    const done = await h.client.ok('tasks:wait', { taskId });
    expect(done.state).toBe('cancelled');
    expect(done.error?.code).toBe('Cancelled');
  });

  it('tags, pushes with progress, shows history and inspect, removes and prunes', async () => {
    const img = (await h.client.ok('images:list', { hostId })).find((i) => i.repoTags.includes('busybox:1.36'))!;
    await h.client.ok('images:tag', { hostId, id: img.id, repo: 'localhost:5000/busybox:mine' });
    const tagged = await h.client.ok('images:inspect', { hostId, id: 'localhost:5000/busybox:mine' });
    expect(tagged.repoTags).toContain('localhost:5000/busybox:mine');
    expect(tagged.config.exposedPorts).toEqual(['80/tcp']);
    const push = await h.client.ok('tasks:wait', {
      taskId: (await h.client.ok('images:push', { hostId, ref: 'localhost:5000/busybox:mine' })).taskId,
    });
    expect(push.state).toBe('succeeded');
    expect(push.result?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const hist = await h.client.ok('images:history', { hostId, id: img.id });
    expect(hist.map((x) => x.createdBy)).toEqual([expect.stringContaining('CMD'), expect.stringContaining('ADD')]);
    const inUse = (await h.client.ok('containers:create', { hostId, spec: { image: 'busybox:1.36' } })).id;
    const conflict = await h.client.fails('images:remove', { hostId, id: 'busybox:1.36' });
    expect(conflict.code).toBe('Conflict');
    await h.client.ok('containers:remove', { hostId, id: inUse });
    const removed = await h.client.ok('images:remove', { hostId, id: img.id, force: true });
    expect(removed).toContain(img.id);
    const pruned = await h.client.ok('images:prune', { hostId, dangling: false });
    expect(pruned.deleted.length).toBeGreaterThan(0);
  });
});

describe('builds', () => {
  let ctxDir: string;
  beforeAll(() => {
    ctxDir = path.join(h.dir, 'ctx');
    fs.mkdirSync(path.join(ctxDir, 'node_modules'), { recursive: true });
    fs.writeFileSync(path.join(ctxDir, 'Dockerfile'), 'FROM busybox\nRUN echo hi\nCMD ["sh"]\n');
    fs.writeFileSync(path.join(ctxDir, 'node_modules', 'big.js'), 'x'.repeat(1000));
    fs.writeFileSync(path.join(ctxDir, '.dockerignore'), 'node_modules\n');
  });

  it('builds a folder with a live log, steps, cache state and a history record', async () => {
    const first = await h.client.ok('builds:start', {
      hostId,
      context: { kind: 'path', path: ctxDir },
      tags: ['app:1'],
    });
    const done = await h.client.ok('tasks:wait', { taskId: first.taskId });
    expect(done.state).toBe('succeeded');
    expect(done.result?.imageId).toMatch(/^sha256:/);
    const live = h.client
      .events('tasks:log')
      .filter((l) => l.taskId === first.taskId)
      .flatMap((l) => l.lines);
    expect(live.map((l) => l.text)).toContain('Step 2/3 : RUN echo hi');
    expect(live.find((l) => l.text === 'output of echo hi')?.step).toBe(2);
    const second = await h.client.ok('builds:start', {
      hostId,
      context: { kind: 'path', path: ctxDir },
      tags: ['app:2'],
    });
    await h.client.ok('tasks:wait', { taskId: second.taskId });
    const rec = await h.client.waitEvent('builds:update', (b) => b.id === second.buildId && b.result === 'succeeded');
    expect(rec).toMatchObject({ tags: ['app:2'], contextLabel: 'ctx', steps: 3, cachedSteps: 2 });
    expect(rec.durationMs).toBeGreaterThanOrEqual(0);
    const log = await h.client.ok('builds:log', { buildId: second.buildId });
    expect(log.filter((l) => l.cached).length).toBeGreaterThan(0);
    const history = await h.client.ok('builds:list', { hostId });
    expect(history.map((b) => b.id).slice(0, 2)).toEqual([second.buildId, first.buildId]);
    const images = await h.client.ok('images:list', { hostId });
    expect(images.some((i) => i.repoTags.includes('app:2:latest') || i.repoTags.includes('app:2'))).toBe(true);
  });

  it('packs a folder honouring .dockerignore, and reports a Dockerfile the engine cannot find', async () => {
    fs.mkdirSync(path.join(ctxDir, 'src'), { recursive: true });
    fs.writeFileSync(path.join(ctxDir, 'src', 'main.sh'), 'echo hi\n', { mode: 0o755 });
    const { taskId } = await h.client.ok('builds:start', {
      hostId,
      context: { kind: 'path', path: ctxDir },
      noCache: true,
    });
    expect((await h.client.ok('tasks:wait', { taskId })).state).toBe('succeeded');
    expect(engine.world.lastBuildFiles).toEqual(['.dockerignore', 'Dockerfile', 'src/main.sh']);
    // A Dockerfile inside an ignored folder never reaches the engine, which says so.
    const missing = await h.client.ok('builds:start', {
      hostId,
      context: { kind: 'path', path: ctxDir },
      dockerfile: 'node_modules/big.js',
    });
    const failed = await h.client.ok('tasks:wait', { taskId: missing.taskId });
    expect(failed.state).toBe('failed');
    expect(failed.error?.message).toMatch(/Cannot locate specified Dockerfile/);
  });

  it('builds an uploaded context (web mode) and reports a failing step', async () => {
    const tar = Buffer.from(
      packTar([
        { path: 'Dockerfile', data: new TextEncoder().encode('FROM busybox\nRUN false\n').buffer as ArrayBuffer },
      ]),
    );
    const up = await h.client.ok('builds:start', {
      hostId,
      context: { kind: 'upload', uploadId: (await h.app.uploads.put('ctx.tar', tar)).uploadId },
    });
    const done = await h.client.ok('tasks:wait', { taskId: up.taskId });
    expect(done.state).toBe('failed');
    expect(done.error?.message).toMatch(/returned a non-zero code/);
    const rec = await h.client.waitEvent('builds:update', (b) => b.id === up.buildId && b.result === 'failed');
    expect(rec.contextLabel).toBe('ctx.tar');
    const log = await h.client.ok('builds:log', { buildId: up.buildId });
    expect(log.at(-1)).toMatchObject({ stream: 'stderr', step: 2 });
    // An upload is used once.
    const again = await h.client.fails('builds:start', {
      hostId,
      context: { kind: 'upload', uploadId: 'AAAAAAAAAAAAAAAA' },
    });
    expect(again).toMatchObject({ code: 'NotFound', field: ['context', 'uploadId'] });
  });

  it('refuses a context that does not exist, or a Dockerfile outside it', async () => {
    expect(
      await h.client.fails('builds:start', { hostId, context: { kind: 'path', path: '/no/such/dir' } }),
    ).toMatchObject({
      code: 'NotFound',
      field: ['context', 'path'],
    });
    expect(
      await h.client.fails('builds:start', {
        hostId,
        context: { kind: 'path', path: ctxDir },
        dockerfile: '../etc/passwd',
      }),
    ).toMatchObject({
      code: 'InvalidArgument',
      field: ['dockerfile'],
    });
  });

  it('keeps the history across a restart of the service layer', async () => {
    const { BuildHistory } = await import('./builds/history');
    const again = new BuildHistory(path.join(h.dir, 'state'));
    expect(again.list(hostId).length).toBeGreaterThanOrEqual(3);
    const rec = again.list(hostId)[0]!;
    expect(again.log(rec.id).length).toBeGreaterThan(0);
  });
});
