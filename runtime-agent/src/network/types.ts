/**
 * The network module's records (persisted as JSON under <data-root>/network) and the requests
 * the runtime and the API hand in.
 */
import type { IpamConfig } from './ipam';
import type { PortBinding, PortRequest } from './ports/spec';

export type NetworkDriver = 'bridge' | 'host' | 'null';

export interface NetworkRecord {
  id: string;
  name: string;
  driver: NetworkDriver;
  /** ISO time of creation. */
  created: string;
  /** The default `bridge` network (and `host`, `none`): pre-defined, cannot be removed. */
  predefined: boolean;
  /** Kernel bridge name (bridge driver only). */
  bridge: string;
  ipam: { driver: string; config: IpamConfig[]; options: Record<string, string> };
  /** The subnet was chosen by Berth (it may be chosen again while nothing uses it). */
  autoSubnet: boolean;
  internal: boolean;
  attachable: boolean;
  mtu: number;
  masquerade: boolean;
  /** Host address published ports bind to when -p gives none (host_binding_ipv4). */
  hostBindingIp: string;
  options: Record<string, string>;
  labels: Record<string, string>;
}

export interface EndpointRecord {
  id: string;
  networkId: string;
  /** Interface name inside the container. */
  ifName: string;
  /** Host end of the veth pair. */
  hostIf: string;
  ip: string;
  mac: string;
  aliases: string[];
  /** The address was asked for (IPAMConfig.IPv4Address) rather than allocated. */
  staticIp: boolean;
}

/** Everything the module keeps about one container. */
export interface SandboxRecord {
  containerId: string;
  /** The container's HostConfig.NetworkMode as given at start. */
  mode: string;
  containerName: string;
  hostname: string;
  domainname: string;
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  extraHosts: string[];
  portRequests: PortRequest[];
  exposedPorts: string[];
  /** Host ports actually held while active. */
  ports: PortBinding[];
  /** Plumbed into a live namespace (veths exist, ports and DNS records active). */
  active: boolean;
  /** Where hosts/resolv.conf/hostname are written, when the runtime asked for files. */
  etcDir: string | undefined;
  endpoints: EndpointRecord[];
  /**
   * Set once the endpoints were planned from the request (first start): from then on the record
   * is the truth, so networks connected or disconnected since (even the network mode's) stay so.
   */
  planned?: boolean;
  /**
   * Networks removed while the container was stopped (as dockerd: removal needs no running
   * endpoint). Its start fails with "network … not found" until it is disconnected from them.
   */
  lostNetworks?: Array<{ id: string; name: string }>;
}

/** One network a container joins (Docker's EndpointSettings as the runtime passes it). */
export interface EndpointRequest {
  /** Network name, ID or ID prefix. */
  network: string;
  aliases?: string[] | undefined;
  ipv4Address?: string | undefined;
  macAddress?: string | undefined;
}

/** What the runtime hands in when it starts a container (from its config and HostConfig). */
export interface ContainerNetworkRequest {
  /** The container's name without the leading slash. */
  containerName: string;
  /**
   * HostConfig.NetworkMode: 'default' | 'bridge' | 'none' | 'host' | 'container:<id>' | a network
   * name or ID. Bridge-type modes need a network namespace; the others only produce files.
   */
  mode: string;
  /** NetworkingConfig.EndpointsConfig (extra networks, aliases, static addresses). */
  endpoints?: EndpointRequest[] | undefined;
  ports?: PortRequest[] | undefined;
  /** ExposedPorts keys ("80/tcp"), shown in NetworkSettings.Ports. */
  exposedPorts?: string[] | undefined;
  hostname: string;
  domainname?: string | undefined;
  dns?: string[] | undefined;
  dnsSearch?: string[] | undefined;
  dnsOptions?: string[] | undefined;
  /** "name:ip" entries (--add-host), `host-gateway` allowed. */
  extraHosts?: string[] | undefined;
  /** When set, hosts, resolv.conf and hostname are written (in place) into this directory. */
  etcDir?: string | undefined;
}
