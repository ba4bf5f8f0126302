/**
 * Contract validation: every channel's arguments pass its zod schema before any handler runs, and
 * malformed arguments come back as typed InvalidArgument errors naming the field (for forms).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../testing/harness';
import type { RunSpec } from '../../contract/models/containers';

let h: Harness;
beforeAll(() => {
  h = createHarness();
});
afterAll(async () => {
  await h.dispose();
});

const run = (spec: Partial<RunSpec> & Record<string, unknown>): Promise<unknown> =>
  h.client.raw('containers:create', { hostId: 'local', spec: { image: 'busybox', ...spec } });

async function invalid(
  p: Promise<unknown>,
): Promise<{ field?: Array<string | number>; message: string; issues?: unknown[] }> {
  const r = (await p) as {
    ok: boolean;
    error?: { code: string; field?: Array<string | number>; message: string; issues?: unknown[] };
  };
  expect(r.ok).toBe(false);
  expect(r.error?.code).toBe('InvalidArgument');
  return r.error!;
}

describe('contract validation', () => {
  it('refuses an unknown channel and a non-string channel', async () => {
    expect((await invalid(h.client.raw('containers:explode', {}))).message).toMatch(/unknown channel/);
    expect((await invalid(h.client.raw(42, {}))).message).toMatch(/channel must be a string/);
  });

  it('refuses a request that is not an object, and unknown keys', async () => {
    await invalid(h.client.raw('hosts:list', 'all'));
    await invalid(h.client.raw('hosts:list', [1, 2]));
    const e = await invalid(h.client.raw('containers:start', { hostId: 'local', id: 'abc', extra: true }));
    expect(e.message).toMatch(/extra/);
  });

  it('names the missing field', async () => {
    expect((await invalid(h.client.raw('containers:inspect', { id: 'abc' }))).field).toEqual(['hostId']);
    expect((await invalid(h.client.raw('containers:inspect', { hostId: 'local' }))).field).toEqual(['id']);
    expect((await invalid(h.client.raw('containers:inspect', { hostId: 'local', id: 42 }))).field).toEqual(['id']);
  });

  it('validates the Run dialog field by field', async () => {
    expect((await invalid(run({ image: '' }))).field).toEqual(['spec', 'image']);
    expect((await invalid(run({ image: 'bad image' }))).field).toEqual(['spec', 'image']);
    expect((await invalid(run({ name: '-bad' }))).field).toEqual(['spec', 'name']);
    expect((await invalid(run({ ports: [{ containerPort: 0 }] }))).field).toEqual([
      'spec',
      'ports',
      0,
      'containerPort',
    ]);
    expect((await invalid(run({ ports: [{ containerPort: 80, hostPort: 70000 }] }))).field).toEqual([
      'spec',
      'ports',
      0,
      'hostPort',
    ]);
    expect((await invalid(run({ ports: [{ containerPort: 80, protocol: 'icmp' as never }] }))).field).toEqual([
      'spec',
      'ports',
      0,
      'protocol',
    ]);
    expect((await invalid(run({ ports: [{ containerPort: 80, hostIp: 'localhost' }] }))).field).toEqual([
      'spec',
      'ports',
      0,
      'hostIp',
    ]);
    expect((await invalid(run({ env: [{ name: 'A=B', value: '1' }] }))).field).toEqual(['spec', 'env', 0, 'name']);
    expect((await invalid(run({ limits: { memoryBytes: 1024 } }))).field).toEqual(['spec', 'limits', 'memoryBytes']);
    expect((await invalid(run({ limits: { cpus: 0 } }))).field).toEqual(['spec', 'limits', 'cpus']);
    expect((await invalid(run({ limits: { cpus: 1.234 } }))).field).toEqual(['spec', 'limits', 'cpus']);
    expect((await invalid(run({ limits: { pids: 0 } }))).field).toEqual(['spec', 'limits', 'pids']);
    expect((await invalid(run({ limits: { memoryBytes: 64 << 20, memorySwapBytes: 32 << 20 } }))).field).toEqual([
      'spec',
      'limits',
      'memorySwapBytes',
    ]);
    expect((await invalid(run({ restartPolicy: { name: 'sometimes' as never } }))).field).toEqual([
      'spec',
      'restartPolicy',
      'name',
    ]);
    expect((await invalid(run({ restartPolicy: { name: 'always', maximumRetryCount: 3 } }))).field).toEqual([
      'spec',
      'restartPolicy',
      'maximumRetryCount',
    ]);
    expect((await invalid(run({ healthcheck: { test: ['curl', 'x'] } }))).field).toEqual([
      'spec',
      'healthcheck',
      'test',
      0,
    ]);
    expect((await invalid(run({ healthcheck: { test: ['CMD'] } }))).field).toEqual(['spec', 'healthcheck', 'test']);
    expect((await invalid(run({ volumes: [{ type: 'bind', source: 'relative', target: '/data' }] }))).field).toEqual([
      'spec',
      'volumes',
      0,
      'source',
    ]);
    expect((await invalid(run({ volumes: [{ type: 'volume', target: 'data' }] }))).field).toEqual([
      'spec',
      'volumes',
      0,
      'target',
    ]);
  });

  it('catches combinations the engine would refuse', async () => {
    expect((await invalid(run({ autoRemove: true, restartPolicy: { name: 'always' } }))).field).toEqual([
      'spec',
      'autoRemove',
    ]);
    expect(
      (
        await invalid(
          run({
            ports: [
              { containerPort: 80, hostPort: 8080 },
              { containerPort: 81, hostPort: 8080 },
            ],
          }),
        )
      ).field,
    ).toEqual(['spec', 'ports', 1, 'hostPort']);
    expect(
      (
        await invalid(
          run({
            volumes: [
              { type: 'volume', source: 'data', target: '/d' },
              { type: 'tmpfs', target: '/d' },
            ],
          }),
        )
      ).field,
    ).toEqual(['spec', 'volumes', 1, 'target']);
    expect(
      (
        await invalid(
          run({
            env: [
              { name: 'A', value: '1' },
              { name: 'A', value: '2' },
            ],
          }),
        )
      ).field,
    ).toEqual(['spec', 'env', 1, 'name']);
    expect((await invalid(run({ networkAliases: ['web'] }))).field).toEqual(['spec', 'networkAliases']);
  });

  it('reports every issue, not only the first', async () => {
    const e = await invalid(run({ name: '!', ports: [{ containerPort: -1 }] }));
    expect(e.issues?.length).toBeGreaterThanOrEqual(2);
  });

  it('never lets a secret into a saved host config', async () => {
    const e = await invalid(
      h.client.raw('hosts:add', {
        spec: {
          name: 'vm',
          config: { kind: 'ssh', host: 'vm.local', username: 'me', auth: { method: 'password', password: 'hunter2' } },
        },
      }),
    );
    expect(e.field).toEqual(['spec', 'config', 'auth']);
    await invalid(
      h.client.raw('hosts:add', { spec: { name: '', config: { kind: 'local', socketPath: '/run/x.sock' } } }),
    );
    await invalid(
      h.client.raw('hosts:add', { spec: { name: 'x', config: { kind: 'local', socketPath: 'relative.sock' } } }),
    );
    await invalid(
      h.client.raw('hosts:add', { spec: { name: 'x', config: { kind: 'tcp', url: 'tcp://1.2.3.4:2375' } } }),
    );
  });

  it('validates builds, images, volumes and networks', async () => {
    expect(
      (await invalid(h.client.raw('builds:start', { hostId: 'local', context: { kind: 'path', path: '' } }))).field,
    ).toEqual(['context', 'path']);
    expect(
      (await invalid(h.client.raw('builds:start', { hostId: 'local', context: { kind: 'upload', uploadId: '../x' } })))
        .field,
    ).toEqual(['context', 'uploadId']);
    expect(
      (
        await invalid(
          h.client.raw('builds:start', { hostId: 'local', context: { kind: 'path', path: '/x' }, tags: ['Bad Tag'] }),
        )
      ).field,
    ).toEqual(['tags', 0]);
    expect(
      (
        await invalid(
          h.client.raw('builds:start', {
            hostId: 'local',
            context: { kind: 'path', path: '/x' },
            buildArgs: { '1x': 'y' },
          }),
        )
      ).field,
    ).toEqual(['buildArgs', '1x']);
    expect(
      (await invalid(h.client.raw('images:pull', { hostId: 'local', ref: 'busybox', auth: { username: 'u' } }))).field,
    ).toEqual(['auth', 'password']);
    expect((await invalid(h.client.raw('volumes:create', { hostId: 'local', spec: { name: 'a b' } }))).field).toEqual([
      'spec',
      'name',
    ]);
    expect(
      (await invalid(h.client.raw('networks:create', { hostId: 'local', spec: { name: 'net', subnet: '10.0.0.0' } })))
        .field,
    ).toEqual(['spec', 'subnet']);
    expect(
      (await invalid(h.client.raw('networks:create', { hostId: 'local', spec: { name: 'net', gateway: '10.0.0.1' } })))
        .field,
    ).toEqual(['spec', 'gateway']);
    expect(
      (await invalid(h.client.raw('containers:kill', { hostId: 'local', id: 'x', signal: 'KILL; rm -rf /' }))).field,
    ).toEqual(['signal']);
    expect(
      (await invalid(h.client.raw('containers:bulk', { hostId: 'local', action: 'start', ids: [] }))).field,
    ).toEqual(['ids']);
  });

  it('validates stream subscriptions, their topic and their arguments', async () => {
    await invalid(h.client.raw('stream:open', { subId: 'a', topic: 'containers:everything', args: {} }));
    await invalid(
      h.client.raw('stream:open', {
        subId: 'has space',
        topic: 'containers:stats',
        args: { hostId: 'local', id: 'x' },
      }),
    );
    const e = await invalid(
      h.client.raw('stream:open', {
        subId: 'a1',
        topic: 'exec',
        args: { hostId: 'local', containerId: 'x', cmd: [], tty: true },
      }),
    );
    expect(e.field).toEqual(['cmd']);
  });

  it('answers valid calls with the right typed error when the host is unknown', async () => {
    const r = await h.client.invoke('containers:list', { hostId: 'nope' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('NotFound');
      expect(r.error.hostId).toBe('nope');
    }
  });
});
