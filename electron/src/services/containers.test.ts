/**
 * Containers through the service layer and dockerode, against the fake engine (berthd's container
 * endpoints are being built; extend: run these against startBerthd() once they land).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeEngine, type FakeEngine } from './testing/fake-engine';
import { createHarness, type Harness } from './testing/harness';

let engine: FakeEngine;
let h: Harness;
let hostId: string;

beforeAll(async () => {
  engine = await startFakeEngine();
  engine.world.addImage('busybox:latest');
  h = createHarness();
  hostId = await h.addLocalHost(engine.socketPath);
});
afterAll(async () => {
  await h.dispose();
  await engine.close();
});

describe('containers', () => {
  it('runs a container from the Run dialog spec with ports, limits, restart policy and health check', async () => {
    const r = await h.client.ok('containers:create', {
      hostId,
      start: true,
      spec: {
        image: 'busybox',
        name: 'web1',
        cmd: ['httpd', '-f'],
        env: [{ name: 'MODE', value: 'test=1' }],
        ports: [{ containerPort: 80, hostPort: 18080 }],
        volumes: [
          { type: 'volume', source: 'data', target: '/data' },
          { type: 'bind', source: '/tmp', target: '/host', readOnly: true },
          { type: 'tmpfs', target: '/scratch', sizeBytes: 1 << 20 },
        ],
        limits: { memoryBytes: 64 << 20, cpus: 1.5, pids: 50 },
        restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
        healthcheck: { test: ['CMD-SHELL', 'true'], intervalMs: 5000, retries: 2 },
        labels: { 'com.docker.compose.project': 'shop' },
      },
    });
    expect(r.started).toBe(true);
    const d = await h.client.ok('containers:inspect', { hostId, id: 'web1' });
    expect(d.state.running).toBe(true);
    expect(d.config.env).toContainEqual({ name: 'MODE', value: 'test=1' });
    expect(d.hostConfig.limits).toEqual({ memoryBytes: 64 << 20, cpus: 1.5, pids: 50 });
    expect(d.hostConfig.restartPolicy).toEqual({ name: 'on-failure', maximumRetryCount: 3 });
    expect(d.config.healthcheck).toEqual({ test: ['CMD-SHELL', 'true'], intervalMs: 5000, retries: 2 });
    const body = engine.world.findContainer('web1')!.body as { HostConfig: Record<string, unknown> };
    expect(body.HostConfig.Binds).toEqual(['data:/data', '/tmp:/host:ro']);
    expect(body.HostConfig.Tmpfs).toEqual({ '/scratch': `size=${1 << 20}` });
    expect(body.HostConfig.NanoCpus).toBe(1.5e9);
    const list = await h.client.ok('containers:list', { hostId });
    const row = list.find((c) => c.name === 'web1')!;
    expect(row.state).toBe('running');
    expect(row.ports).toContainEqual({ privatePort: 80, protocol: 'tcp', publicPort: 18080, hostIp: '0.0.0.0' });
    expect(row.composeProject).toBe('shop');
    expect(row.mounts.map((m) => m.destination)).toEqual(['/data', '/host']);
  });

  it('shows an engine error at the field it concerns, and leaves nothing behind when start fails', async () => {
    const taken = await h.client.fails('containers:create', { hostId, spec: { image: 'busybox', name: 'web1' } });
    expect(taken.code).toBe('Conflict');
    expect(taken.field).toEqual(['spec', 'name']);
    const noImage = await h.client.fails('containers:create', { hostId, spec: { image: 'nosuchimage' } });
    expect(noImage.code).toBe('NotFound');
    expect(noImage.field).toEqual(['spec', 'image']);
    const port = await h.client.fails('containers:create', {
      hostId,
      start: true,
      spec: { image: 'busybox', name: 'web2', ports: [{ containerPort: 80, hostPort: 18080 }] },
    });
    expect(port.field).toEqual(['spec', 'ports']);
    expect(port.message).toMatch(/already allocated/);
    // web2 was created, failed to start, and was removed again: the name is free.
    expect(engine.world.findContainer('web2')).toBeUndefined();
    const cmd = await h.client.fails('containers:create', {
      hostId,
      start: true,
      spec: { image: 'busybox', cmd: ['no-such-binary'] },
    });
    expect(cmd.field).toEqual(['spec', 'cmd']);
  });

  it('pulls a missing image first when asked, as a task the UI sees', async () => {
    const r = await h.client.ok('containers:create', {
      hostId,
      pull: 'missing',
      start: true,
      spec: { image: 'alpine:3' },
    });
    expect(r.started).toBe(true);
    const pulls = h.client.events('tasks:update').filter((t) => t.kind === 'pull' && t.title.includes('alpine:3'));
    expect(pulls.at(-1)?.state).toBe('succeeded');
  });

  it('stops, starts, pauses, restarts, kills, renames and removes; repeats are no-ops', async () => {
    const id = (
      await h.client.ok('containers:create', { hostId, start: true, spec: { image: 'busybox', name: 'life' } })
    ).id;
    await h.client.ok('containers:pause', { hostId, id });
    expect((await h.client.ok('containers:inspect', { hostId, id })).state.paused).toBe(true);
    await h.client.ok('containers:unpause', { hostId, id });
    await h.client.ok('containers:stop', { hostId, id, timeoutSeconds: 1 });
    await h.client.ok('containers:stop', { hostId, id }); // already stopped (304): fine
    expect((await h.client.ok('containers:inspect', { hostId, id })).state.status).toBe('exited');
    await h.client.ok('containers:start', { hostId, id });
    await h.client.ok('containers:start', { hostId, id }); // already running (304): fine
    await h.client.ok('containers:restart', { hostId, id });
    await h.client.ok('containers:kill', { hostId, id, signal: 'SIGKILL' });
    expect((await h.client.ok('containers:inspect', { hostId, id })).state.exitCode).toBe(137);
    await h.client.ok('containers:rename', { hostId, id, name: 'life2' });
    const clash = await h.client.fails('containers:rename', { hostId, id, name: 'web1' });
    expect(clash.field).toEqual(['name']);
    await h.client.ok('containers:remove', { hostId, id });
    expect((await h.client.fails('containers:inspect', { hostId, id })).code).toBe('NotFound');
  });

  it('acts on many containers at once and reports each result', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await h.client.ok('containers:create', { hostId, start: true, spec: { image: 'busybox' } })).id);
    const stopped = await h.client.ok('containers:bulk', { hostId, action: 'stop', ids: [...ids, 'missing-one'] });
    expect(stopped.filter((r) => r.ok).map((r) => r.id)).toEqual(ids);
    expect(stopped.at(-1)).toMatchObject({ id: 'missing-one', ok: false, error: { code: 'NotFound' } });
    const removed = await h.client.ok('containers:bulk', { hostId, action: 'remove', ids });
    expect(removed.every((r) => r.ok)).toBe(true);
  });

  it('fetches logs with timestamps and tail, and lists processes', async () => {
    const id = (
      await h.client.ok('containers:create', { hostId, start: true, spec: { image: 'busybox', name: 'talker' } })
    ).id;
    const logs = await h.client.ok('containers:logs', { hostId, id, timestamps: true });
    expect(logs).toEqual([
      expect.objectContaining({
        stream: 'stdout',
        text: 'hello from talker',
        ts: expect.stringMatching(/^\d{4}-/) as string,
      }),
      expect.objectContaining({ stream: 'stderr', text: 'a warning from talker' }),
    ]);
    const tail = await h.client.ok('containers:logs', { hostId, id, tail: 1 });
    expect(tail).toEqual([{ stream: 'stderr', text: 'a warning from talker' }]);
    const top = await h.client.ok('containers:top', { hostId, id });
    expect(top.titles).toContain('PID');
    expect(top.processes[0]).toContain('4242');
  });

  it('prunes stopped containers', async () => {
    const id = (await h.client.ok('containers:create', { hostId, spec: { image: 'busybox' } })).id;
    const r = await h.client.ok('containers:prune', { hostId });
    expect(r.deleted).toContain(id);
  });
});
