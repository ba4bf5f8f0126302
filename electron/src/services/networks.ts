/** Networks on one host, with the containers attached to each. */
import type { NetworkCreate, NetworkSummary, PruneReport } from '../contract/models/storage';
import { ServiceError, toErrorPayload } from './errors';
import type { HostManager } from './hosts/manager';
import { containerUsage } from './volumes';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});

function toNetwork(n: Json, containers: Json[]): NetworkSummary {
  const id = String(n.Id ?? '');
  const name = String(n.Name ?? '');
  const attached: NetworkSummary['containers'] = [];
  for (const c of containers) {
    const nets = obj(obj(c.NetworkSettings).Networks);
    for (const [netName, ep] of Object.entries(nets)) {
      const e = obj(ep);
      if (netName !== name && e.NetworkID !== id) continue;
      attached.push({
        id: String(c.Id ?? ''),
        name: (Array.isArray(c.Names) ? String(c.Names[0] ?? '') : '').replace(/^\//, ''),
        ipv4Address: String(e.IPAddress ?? ''),
        macAddress: String(e.MacAddress ?? ''),
      });
    }
  }
  // An inspect answer lists its containers itself (with addresses in CIDR form).
  for (const [cid, ep] of Object.entries(obj(n.Containers))) {
    if (attached.some((a) => a.id === cid)) continue;
    const e = obj(ep);
    attached.push({
      id: cid,
      name: String(e.Name ?? ''),
      ipv4Address: String(e.IPv4Address ?? '').replace(/\/\d+$/, ''),
      macAddress: String(e.MacAddress ?? ''),
    });
  }
  const ipam = (obj(n.IPAM).Config as Json[] | null) ?? [];
  return {
    id,
    name,
    driver: String(n.Driver ?? ''),
    scope: String(n.Scope ?? 'local'),
    internal: n.Internal === true,
    attachable: n.Attachable === true,
    ipv6: n.EnableIPv6 === true,
    created: String(n.Created ?? ''),
    subnets: ipam
      .filter((c) => typeof c.Subnet === 'string')
      .map((c) => ({ subnet: String(c.Subnet), ...(typeof c.Gateway === 'string' ? { gateway: c.Gateway } : {}) })),
    labels: obj(n.Labels) as Record<string, string>,
    containers: attached,
  };
}

export class NetworkService {
  constructor(private readonly hosts: HostManager) {}

  list(hostId: string): Promise<NetworkSummary[]> {
    return this.hosts.call(hostId, async (d) => {
      const [nets, containers] = await Promise.all([d.listNetworks() as Promise<unknown>, containerUsage(d)]);
      return ((nets as Json[] | null) ?? []).map((n) => toNetwork(n, containers));
    });
  }

  inspect(hostId: string, id: string): Promise<NetworkSummary> {
    return this.hosts.call(hostId, async (d) => toNetwork(obj(await d.getNetwork(id).inspect()), []));
  }

  create(hostId: string, spec: NetworkCreate): Promise<NetworkSummary> {
    return this.hosts.call(hostId, async (d) => {
      try {
        const created = await d.createNetwork({
          Name: spec.name,
          Driver: spec.driver ?? 'bridge',
          Internal: spec.internal ?? false,
          Attachable: spec.attachable ?? false,
          Labels: spec.labels ?? {},
          CheckDuplicate: true,
          ...(spec.subnet
            ? {
                IPAM: {
                  Driver: 'default',
                  Config: [{ Subnet: spec.subnet, ...(spec.gateway ? { Gateway: spec.gateway } : {}) }],
                },
              }
            : {}),
        });
        return toNetwork(obj(await created.inspect()), []);
      } catch (err) {
        const p = toErrorPayload(err, { hostId });
        const field = /subnet|pool|overlap/i.test(p.message)
          ? ['spec', 'subnet']
          : /gateway/i.test(p.message)
            ? ['spec', 'gateway']
            : /driver/i.test(p.message)
              ? ['spec', 'driver']
              : ['spec', 'name'];
        throw new ServiceError(p.code, p.message, { hostId, field });
      }
    });
  }

  remove(hostId: string, id: string): Promise<void> {
    return this.hosts.call(hostId, async (d) => {
      await d.getNetwork(id).remove();
    });
  }

  prune(hostId: string): Promise<PruneReport> {
    return this.hosts.call(hostId, async (d) => {
      const r = obj(await d.pruneNetworks());
      return { deleted: (r.NetworksDeleted as string[] | null) ?? [], spaceReclaimed: 0 };
    });
  }

  connect(hostId: string, id: string, containerId: string, aliases?: string[]): Promise<void> {
    return this.hosts.call(hostId, async (d) => {
      await d
        .getNetwork(id)
        .connect({ Container: containerId, ...(aliases?.length ? { EndpointConfig: { Aliases: aliases } } : {}) });
    });
  }

  disconnect(hostId: string, id: string, containerId: string, force = false): Promise<void> {
    return this.hosts.call(hostId, async (d) => {
      await d.getNetwork(id).disconnect({ Container: containerId, Force: force });
    });
  }
}
