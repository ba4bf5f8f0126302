/** What the /networks routes need: Docker-shaped networks and the operations behind the endpoints. */
import type { DockerNetwork } from '../../../network/docker-shape';

export type { DockerNetwork };

/** POST /networks/create body (Docker's NetworkCreateRequest). */
export interface NetworkCreateBody {
  Name?: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Scope?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network?: string } | null;
  EnableIPv6?: boolean;
  IPAM?: {
    Driver?: string;
    Config?: Array<{
      Subnet?: string;
      IPRange?: string;
      Gateway?: string;
      AuxiliaryAddresses?: Record<string, string>;
    }> | null;
    Options?: Record<string, string> | null;
  } | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

export interface EndpointConfigBody {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  Links?: string[] | null;
  Aliases?: string[] | null;
  MacAddress?: string;
  DriverOpts?: Record<string, string> | null;
}

export interface NetworkListEntry {
  network: DockerNetwork;
  /** bridge, host, none: the pre-defined networks (filter type=builtin). */
  builtin: boolean;
}

export interface PruneCriteria {
  until?: Date | undefined;
  labels: string[];
  notLabels: string[];
}

export interface NetworksBackend {
  list(): NetworkListEntry[];
  inspect(idOrName: string): DockerNetwork;
  create(body: NetworkCreateBody): Promise<{ Id: string; Warning: string }>;
  remove(idOrName: string): Promise<void>;
  prune(criteria: PruneCriteria): Promise<string[]>;
  connect(idOrName: string, container: string, endpoint: EndpointConfigBody): Promise<void>;
  disconnect(idOrName: string, container: string, force: boolean): Promise<void>;
}
