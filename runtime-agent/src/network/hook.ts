/**
 * The seam between the runtime and the network module. The runtime's two-phase start calls
 * `attach` after the init reported its pid (so /proc/<pid>/ns/net is the container's fresh
 * namespace) and before it sends "go"; `detach` when the container stopped (release: false) and
 * when it is removed (release: true). See network/README.md.
 */
import type { DockerNetworkSettings } from './docker-shape';
import type { EtcFiles } from './etc-files';
import type { NetnsRef } from './netlink/netns';
import type { AttachResult } from './sandboxes';
import type { ContainerNetworkRequest } from './types';

export type { AttachResult, ContainerNetworkRequest, DockerNetworkSettings, EtcFiles, NetnsRef };

export interface NetworkHook {
  /** At create: the request is valid (networks exist, addresses and options parse). No side effects. */
  validate(req: ContainerNetworkRequest): void;
  /**
   * At start, before the command runs. `ns` is the container's namespace for bridge-type modes
   * (undefined for host and container:<id>). Plumbs every network of the container (its earlier
   * `connect`s included), publishes ports, writes req.etcDir/{hosts,resolv.conf,hostname}.
   * Throws a typed error and leaves nothing behind when anything fails.
   */
  attach(containerId: string, ns: NetnsRef | undefined, req: ContainerNetworkRequest): Promise<AttachResult>;
  /** At stop (release: false: addresses stay reserved) and at removal (release: true). Idempotent. */
  detach(containerId: string, opts: { release: boolean }): Promise<void>;
  /** NetworkSettings for container inspect; undefined for a container the module never saw. */
  settings(containerId: string): DockerNetworkSettings | undefined;
  /** The container's /etc files as they are now. */
  files(containerId: string): EtcFiles | undefined;
}
