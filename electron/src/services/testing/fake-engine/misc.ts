/** The fake engine's system, events, volume and network endpoints. */
import { bool, type MiniRouter } from './http';
import { hex, type World } from './state';

export interface Identity {
  platform: string;
  version: string;
}

export function miscRoutes(r: MiniRouter, w: World, id: Identity): void {
  r.on('GET', '/_ping', (ctx) => {
    ctx.res?.writeHead(200, { 'Content-Type': 'text/plain', 'Api-Version': '1.43' }).end('OK');
  });
  r.on('GET', '/version', (ctx) =>
    ctx.json(200, {
      Platform: { Name: id.platform },
      Version: id.version,
      ApiVersion: '1.43',
      Os: 'linux',
      Arch: 'amd64',
      Components: [{ Name: 'Engine', Version: id.version }],
    }),
  );
  r.on('GET', '/info', (ctx) => {
    const cs = [...w.containers.values()];
    ctx.json(200, {
      Name: 'fake-host',
      ServerVersion: id.version,
      OperatingSystem: 'Fake Linux',
      KernelVersion: '6.1.0-fake',
      Architecture: 'x86_64',
      NCPU: 2,
      MemTotal: 8 * 1024 ** 3,
      DockerRootDir: '/var/lib/fake',
      CgroupVersion: '2',
      Containers: cs.length,
      ContainersRunning: cs.filter((c) => c.state === 'running').length,
      ContainersPaused: cs.filter((c) => c.state === 'paused').length,
      ContainersStopped: cs.filter((c) => c.state === 'exited' || c.state === 'created').length,
      Images: w.images.size,
      Warnings: [],
    });
  });
  r.on('GET', '/events', (ctx) => {
    const res = ctx.stream('application/json');
    const l = (e: object): void => void res.write(JSON.stringify(e) + '\n');
    w.eventListeners.add(l);
    res.on('close', () => w.eventListeners.delete(l));
  });

  r.on('GET', '/volumes', (ctx) =>
    ctx.json(200, {
      Volumes: [...w.volumes.values()].map((v) => ({
        ...v,
        Mountpoint: `/var/lib/fake/volumes/${v.Name}/_data`,
        Scope: 'local',
      })),
      Warnings: [],
    }),
  );
  r.on('POST', '/volumes/create', async (ctx) => {
    const b = (await ctx.body()) as {
      Name?: string;
      Driver?: string;
      Labels?: Record<string, string>;
      DriverOpts?: Record<string, string>;
    };
    const name = b.Name || hex();
    if (b.Driver && b.Driver !== 'local') return ctx.error(404, `plugin "${b.Driver}" not found`);
    const v = {
      Name: name,
      Driver: 'local',
      Labels: b.Labels ?? {},
      Options: b.DriverOpts ?? {},
      CreatedAt: new Date().toISOString(),
    };
    w.volumes.set(name, v);
    w.emit('volume', 'create', name);
    ctx.json(201, { ...v, Mountpoint: `/var/lib/fake/volumes/${name}/_data`, Scope: 'local' });
  });
  r.on('GET', '/volumes/{name}', (ctx) => {
    const v = w.volumes.get(ctx.params.name!);
    if (!v) return ctx.error(404, `get ${ctx.params.name}: no such volume`);
    ctx.json(200, { ...v, Mountpoint: `/var/lib/fake/volumes/${v.Name}/_data`, Scope: 'local' });
  });
  r.on('DELETE', '/volumes/{name}', (ctx) => {
    const name = ctx.params.name!;
    if (!w.volumes.has(name)) return ctx.error(404, `get ${name}: no such volume`);
    const user = [...w.containers.values()].find((c) =>
      (((c.body.HostConfig as { Binds?: string[] }) ?? {}).Binds ?? []).some((b) => b.startsWith(`${name}:`)),
    );
    if (user && !bool(ctx.query, 'force')) return ctx.error(409, `remove ${name}: volume is in use - [${user.id}]`);
    w.volumes.delete(name);
    w.emit('volume', 'destroy', name);
    ctx.status(204);
  });
  r.on('POST', '/volumes/prune', (ctx) => {
    const gone = [...w.volumes.keys()];
    w.volumes.clear();
    ctx.json(200, { VolumesDeleted: gone, SpaceReclaimed: 0 });
  });

  const netJson = (n: NonNullable<ReturnType<World['findNetwork']>>): object => ({
    Id: n.Id,
    Name: n.Name,
    Driver: n.Driver,
    Scope: 'local',
    Internal: n.Internal,
    Attachable: n.Attachable,
    EnableIPv6: false,
    Created: n.Created,
    Labels: n.Labels,
    IPAM: {
      Driver: 'default',
      Config: n.Subnet ? [{ Subnet: n.Subnet, ...(n.Gateway ? { Gateway: n.Gateway } : {}) }] : [],
    },
    Containers: {},
  });
  r.on('GET', '/networks', (ctx) => ctx.json(200, [...w.networks.values()].map(netJson)));
  r.on('POST', '/networks/create', async (ctx) => {
    const b = (await ctx.body()) as {
      Name: string;
      Driver?: string;
      Internal?: boolean;
      Attachable?: boolean;
      Labels?: Record<string, string>;
      IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string }> };
    };
    if (w.findNetwork(b.Name)) return ctx.error(409, `network with name ${b.Name} already exists`);
    const cfg = b.IPAM?.Config?.[0];
    if (cfg?.Subnet && [...w.networks.values()].some((n) => n.Subnet === cfg.Subnet))
      return ctx.error(403, 'Pool overlaps with other one on this address space');
    const id = hex();
    w.networks.set(id, {
      Id: id,
      Name: b.Name,
      Driver: b.Driver ?? 'bridge',
      Internal: b.Internal ?? false,
      Attachable: b.Attachable ?? false,
      Labels: b.Labels ?? {},
      ...(cfg?.Subnet ? { Subnet: cfg.Subnet } : {}),
      ...(cfg?.Gateway ? { Gateway: cfg.Gateway } : {}),
      Created: new Date().toISOString(),
    });
    w.emit('network', 'create', id, { name: b.Name });
    ctx.json(201, { Id: id, Warning: '' });
  });
  r.on('GET', '/networks/{id}', (ctx) => {
    const n = w.findNetwork(ctx.params.id!);
    if (!n) return ctx.error(404, `network ${ctx.params.id} not found`);
    ctx.json(200, netJson(n));
  });
  r.on('DELETE', '/networks/{id}', (ctx) => {
    const n = w.findNetwork(ctx.params.id!);
    if (!n) return ctx.error(404, `network ${ctx.params.id} not found`);
    if (['bridge', 'host', 'none'].includes(n.Name))
      return ctx.error(403, `${n.Name} is a pre-defined network and cannot be removed`);
    w.networks.delete(n.Id);
    w.emit('network', 'destroy', n.Id, { name: n.Name });
    ctx.status(204);
  });
  r.on('POST', '/networks/prune', (ctx) => {
    const gone = [...w.networks.values()].filter((n) => !['bridge', 'host', 'none'].includes(n.Name));
    for (const n of gone) w.networks.delete(n.Id);
    ctx.json(200, { NetworksDeleted: gone.map((n) => n.Name) });
  });
  for (const action of ['connect', 'disconnect'] as const) {
    r.on('POST', `/networks/{id}/${action}`, async (ctx) => {
      const n = w.findNetwork(ctx.params.id!);
      if (!n) return ctx.error(404, `network ${ctx.params.id} not found`);
      const b = (await ctx.body()) as { Container?: string };
      const c = w.findContainer(b.Container ?? '');
      if (!c) return ctx.error(404, `No such container: ${b.Container}`);
      w.emit('network', action, n.Id, { container: c.id, name: n.Name });
      ctx.status(200);
    });
  }
}
