/**
 * Volumes and networks through the service layer against the fake engine, with the containers
 * that use each. Extend: run against startBerthd() once berthd's volume/network endpoints land.
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

describe('volumes', () => {
  it('creates, lists with users, inspects, refuses to remove one in use, removes and prunes', async () => {
    const v = await h.client.ok('volumes:create', { hostId, spec: { name: 'pgdata', labels: { app: 'db' } } });
    expect(v).toMatchObject({ name: 'pgdata', driver: 'local', labels: { app: 'db' }, usedBy: [] });
    const c = await h.client.ok('containers:create', {
      hostId,
      start: true,
      spec: { image: 'busybox', name: 'db', volumes: [{ type: 'volume', source: 'pgdata', target: '/var/lib/pg' }] },
    });
    const listed = (await h.client.ok('volumes:list', { hostId })).find((x) => x.name === 'pgdata')!;
    expect(listed.usedBy).toEqual([{ id: c.id, name: 'db' }]);
    expect((await h.client.ok('volumes:inspect', { hostId, name: 'pgdata' })).usedBy).toHaveLength(1);
    expect((await h.client.fails('volumes:remove', { hostId, name: 'pgdata' })).code).toBe('Conflict');
    await h.client.ok('containers:remove', { hostId, id: c.id, force: true });
    await h.client.ok('volumes:remove', { hostId, name: 'pgdata' });
    expect((await h.client.fails('volumes:inspect', { hostId, name: 'pgdata' })).code).toBe('NotFound');
    await h.client.ok('volumes:create', { hostId, spec: {} });
    expect((await h.client.ok('volumes:prune', { hostId })).deleted).toHaveLength(1);
  });

  it('points an engine refusal at the form field', async () => {
    const e = await h.client.fails('volumes:create', { hostId, spec: { name: 'x1', driver: 'nfs-plugin' } });
    expect(e).toMatchObject({ code: 'NotFound', field: ['spec'] });
  });
});

describe('networks', () => {
  it('creates with a subnet, lists attached containers, connects, refuses overlaps and built-ins, removes and prunes', async () => {
    const n = await h.client.ok('networks:create', {
      hostId,
      spec: { name: 'shop', subnet: '172.30.0.0/16', gateway: '172.30.0.1', labels: { tier: 'web' } },
    });
    expect(n).toMatchObject({
      name: 'shop',
      driver: 'bridge',
      subnets: [{ subnet: '172.30.0.0/16', gateway: '172.30.0.1' }],
      labels: { tier: 'web' },
    });
    const overlap = await h.client.fails('networks:create', {
      hostId,
      spec: { name: 'shop2', subnet: '172.30.0.0/16' },
    });
    expect(overlap).toMatchObject({ code: 'Forbidden', field: ['spec', 'subnet'] });
    const dup = await h.client.fails('networks:create', { hostId, spec: { name: 'shop' } });
    expect(dup).toMatchObject({ code: 'Conflict', field: ['spec', 'name'] });
    const c = await h.client.ok('containers:create', {
      hostId,
      start: true,
      spec: { image: 'busybox', name: 'api', network: 'shop', networkAliases: ['api.local'] },
    });
    const body = engine.world.findContainer('api')!.body as { NetworkingConfig?: unknown };
    expect(body.NetworkingConfig).toEqual({ EndpointsConfig: { shop: { Aliases: ['api.local'] } } });
    const listed = (await h.client.ok('networks:list', { hostId })).find((x) => x.name === 'shop')!;
    expect(listed.containers).toEqual([
      { id: c.id, name: 'api', ipv4Address: '172.17.0.2', macAddress: '02:42:ac:11:00:02' },
    ]);
    const events = await h.client.subscribe('engine:events', { hostId });
    await h.client.ok('networks:connect', { hostId, id: 'shop', containerId: c.id, aliases: ['a'] });
    await events.next((f) => f.kind === 'event' && f.event.type === 'network' && f.event.action === 'connect');
    await h.client.ok('networks:disconnect', { hostId, id: 'shop', containerId: c.id, force: true });
    await events.close();
    expect((await h.client.fails('networks:remove', { hostId, id: 'bridge' })).code).toBe('Forbidden');
    await h.client.ok('containers:remove', { hostId, id: c.id, force: true });
    await h.client.ok('networks:remove', { hostId, id: n.id });
    await h.client.ok('networks:create', { hostId, spec: { name: 'tmp' } });
    expect((await h.client.ok('networks:prune', { hostId })).deleted).toEqual(['tmp']);
  });
});
