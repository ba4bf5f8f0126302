/**
 * Docker Engine API shapes of the network module's state: a network as /networks returns it,
 * and a container's NetworkSettings as /containers/{id}/json shows it.
 */
import { dockerPortMap, type DockerPortMap } from './ports/spec';
import { parseCidr } from './ip';
import type { NetworkRecord, SandboxRecord } from './types';

export interface DockerEndpointSettings {
  IPAMConfig: { IPv4Address: string } | null;
  Links: null;
  Aliases: string[] | null;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  MacAddress: string;
  DriverOpts: null;
}

export interface DockerNetworkSettings {
  Bridge: string;
  SandboxID: string;
  HairpinMode: boolean;
  LinkLocalIPv6Address: string;
  LinkLocalIPv6PrefixLen: number;
  Ports: DockerPortMap;
  SandboxKey: string;
  SecondaryIPAddresses: null;
  SecondaryIPv6Addresses: null;
  EndpointID: string;
  Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  MacAddress: string;
  Networks: Record<string, DockerEndpointSettings>;
}

export interface DockerNetworkContainer {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

export interface DockerNetwork {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: string;
  EnableIPv6: boolean;
  IPAM: {
    Driver: string;
    Options: Record<string, string> | null;
    Config: Array<{ Subnet: string; Gateway: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string> }>;
  };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, DockerNetworkContainer>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

export function dockerNetwork(n: NetworkRecord, users: readonly SandboxRecord[]): DockerNetwork {
  const containers: Record<string, DockerNetworkContainer> = {};
  const len = n.ipam.config[0] ? parseCidr(n.ipam.config[0].subnet).len : 0;
  for (const s of users) {
    if (!s.active) continue;
    const e = s.endpoints.find((x) => x.networkId === n.id);
    if (!e) continue;
    containers[s.containerId] = {
      Name: s.containerName,
      EndpointID: e.id,
      MacAddress: e.mac,
      IPv4Address: `${e.ip}/${len}`,
      IPv6Address: '',
    };
  }
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv6: false,
    IPAM: {
      Driver: n.ipam.driver,
      Options: n.driver === 'bridge' ? n.ipam.options : null,
      Config: n.ipam.config.map((c) => ({
        Subnet: c.subnet,
        Gateway: c.gateway,
        ...(c.ipRange ? { IPRange: c.ipRange } : {}),
        ...(c.auxAddresses ? { AuxiliaryAddresses: c.auxAddresses } : {}),
      })),
    },
    Internal: n.internal,
    Attachable: n.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: n.options,
    Labels: n.labels,
  };
}

const EMPTY_ENDPOINT = {
  IPAMConfig: null,
  Links: null,
  Aliases: null,
  EndpointID: '',
  Gateway: '',
  IPAddress: '',
  IPPrefixLen: 0,
  IPv6Gateway: '',
  GlobalIPv6Address: '',
  GlobalIPv6PrefixLen: 0,
  MacAddress: '',
  DriverOpts: null,
} as const;

export function dockerNetworkSettings(
  s: SandboxRecord,
  network: (id: string) => NetworkRecord | undefined,
  special?: { name: string; id: string },
): DockerNetworkSettings {
  const nets: Record<string, DockerEndpointSettings> = {};
  if (special) nets[special.name] = { ...EMPTY_ENDPOINT, NetworkID: special.id };
  for (const e of s.endpoints) {
    const n = network(e.networkId);
    if (!n) continue;
    const c = n.ipam.config[0]!;
    nets[n.name] = {
      IPAMConfig: e.staticIp ? { IPv4Address: e.ip } : null,
      Links: null,
      Aliases: e.aliases.length ? e.aliases : null,
      NetworkID: n.id,
      EndpointID: s.active ? e.id : '',
      Gateway: s.active ? c.gateway : '',
      IPAddress: s.active ? e.ip : '',
      IPPrefixLen: s.active ? parseCidr(c.subnet).len : 0,
      IPv6Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      MacAddress: s.active ? e.mac : '',
      DriverOpts: null,
    };
  }
  // Removed while the container was stopped: still listed (its start fails until disconnected).
  for (const l of s.lostNetworks ?? []) nets[l.name] ??= { ...EMPTY_ENDPOINT, NetworkID: l.id };
  // The legacy top-level fields describe the default bridge network only (as Docker does).
  const first = s.endpoints[0];
  const firstNet = first ? network(first.networkId) : undefined;
  const legacy = firstNet?.predefined && firstNet.driver === 'bridge' && s.active ? nets[firstNet.name] : undefined;
  return {
    Bridge: '',
    SandboxID: s.containerId,
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: s.active ? dockerPortMap(s.ports, s.exposedPorts) : {},
    SandboxKey: '',
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: legacy?.EndpointID ?? '',
    Gateway: legacy?.Gateway ?? '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: legacy?.IPAddress ?? '',
    IPPrefixLen: legacy?.IPPrefixLen ?? 0,
    IPv6Gateway: '',
    MacAddress: legacy?.MacAddress ?? '',
    Networks: nets,
  };
}
