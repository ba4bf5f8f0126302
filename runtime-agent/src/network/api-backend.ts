/** The /networks API backend over the network service (Docker shapes in, Docker shapes out). */
import { InvalidArgument, NotImplemented } from '../errdefs';
import type {
  EndpointConfigBody,
  NetworkCreateBody,
  NetworkListEntry,
  NetworksBackend,
  PruneCriteria,
} from '../api/routes/networks/backend';
import { labelMatches } from '../api/routes/networks/filters';
import { dockerNetwork, type DockerNetwork } from './docker-shape';
import type { NetworkService } from './service';
import type { NetworkRecord } from './types';

function stringMap(v: unknown, what: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new InvalidArgument(`invalid ${what}: want an object of strings`);
  for (const [k, x] of Object.entries(v))
    if (typeof x !== 'string') throw new InvalidArgument(`invalid ${what}: "${k}" is not a string`);
  return v as Record<string, string>;
}

export class NetworkApiBackend implements NetworksBackend {
  constructor(private readonly svc: NetworkService) {}

  private shape(n: NetworkRecord): DockerNetwork {
    return dockerNetwork(n, this.svc.ctx.usersOf(n.id));
  }

  list(): NetworkListEntry[] {
    return this.svc.networks().map((n) => ({ network: this.shape(n), builtin: n.predefined }));
  }

  inspect(idOrName: string): DockerNetwork {
    return this.shape(this.svc.find(idOrName));
  }

  async create(body: NetworkCreateBody): Promise<{ Id: string; Warning: string }> {
    if (body.Ingress) throw new NotImplemented('ingress networks need swarm mode, which Berth does not provide');
    if (body.ConfigOnly || body.ConfigFrom?.Network) throw new NotImplemented('config-only networks are not supported');
    if (body.Scope && body.Scope !== 'local')
      throw new NotImplemented(`network scope "${body.Scope}" is not supported: only local`);
    if (typeof body.Name !== 'string') throw new InvalidArgument('network name is required');
    const rec = await this.svc.create({
      name: body.Name,
      driver: body.Driver,
      internal: body.Internal,
      attachable: body.Attachable,
      enableIPv6: body.EnableIPv6,
      ipam: {
        driver: body.IPAM?.Driver,
        options: stringMap(body.IPAM?.Options, 'IPAM options'),
        config: (body.IPAM?.Config ?? []).map((c) => {
          if ((c.Subnet ?? '').includes(':')) throw new NotImplemented('IPv6 subnets are not supported');
          return {
            subnet: c.Subnet || undefined,
            gateway: c.Gateway || undefined,
            ipRange: c.IPRange || undefined,
            auxAddresses: c.AuxiliaryAddresses ? stringMap(c.AuxiliaryAddresses, 'auxiliary addresses') : undefined,
          };
        }),
      },
      options: stringMap(body.Options, 'options'),
      labels: stringMap(body.Labels, 'labels'),
    });
    return { Id: rec.id, Warning: '' };
  }

  remove(idOrName: string): Promise<void> {
    return this.svc.remove(idOrName);
  }

  prune(c: PruneCriteria): Promise<string[]> {
    return this.svc.prune({
      until: c.until,
      match: (n) =>
        c.labels.every((l) => labelMatches(n.labels, l)) && !c.notLabels.some((l) => labelMatches(n.labels, l)),
    });
  }

  connect(idOrName: string, container: string, ep: EndpointConfigBody): Promise<void> {
    if (ep.IPAMConfig?.IPv6Address) throw new NotImplemented('IPv6 addresses are not supported');
    return this.svc.connect(idOrName, container, {
      aliases: ep.Aliases ?? undefined,
      ipv4Address: ep.IPAMConfig?.IPv4Address || undefined,
      macAddress: ep.MacAddress || undefined,
    });
  }

  disconnect(idOrName: string, container: string, force: boolean): Promise<void> {
    return this.svc.disconnect(idOrName, container, force);
  }
}
