/**
 * The firewall model: everything Berth needs from the host's packet filter, as data. A backend
 * renders it into its own table/chains (nftables) or chains (iptables) and never touches rules
 * it did not create. The model is rebuilt from the network state, so "repair" is "apply again".
 */

export interface FwNetwork {
  /** Kernel bridge name. */
  bridge: string;
  subnet: string;
  gateway: string;
  /** No traffic in or out of the bridge except between its own ports. */
  internal: boolean;
  /** Masquerade traffic leaving the host from this subnet (com.docker.network.bridge.enable_ip_masquerade). */
  masquerade: boolean;
  /** The embedded DNS listens on gateway:dnsPort; when not 53, port 53 is redirected to it. */
  dnsPort?: number | undefined;
}

export interface FwPort {
  proto: 'tcp' | 'udp';
  /** '' = every local address. */
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

export interface FwModel {
  networks: FwNetwork[];
  ports: FwPort[];
}

export type FirewallKind = 'nftables' | 'iptables-nft' | 'iptables-legacy';

export interface FirewallBackend {
  readonly kind: FirewallKind;
  /** Replace everything Berth owns with the model, atomically where the tool allows. */
  apply(model: FwModel): Promise<void>;
  /** Fast path for container start/stop: add and remove published ports of the current model. */
  updatePorts(model: FwModel, added: FwPort[], removed: FwPort[]): Promise<void>;
  /** Remove every table, chain and rule Berth created. */
  clear(): Promise<void>;
  /** Berth's rules as the tool lists them (diagnostics, tests). Empty when none are installed. */
  list(): Promise<string>;
  /** Release resources (netlink sockets). */
  close(): void;
}

export function portKey(p: FwPort): string {
  return `${p.proto}/${p.hostIp || '*'}:${p.hostPort}`;
}
