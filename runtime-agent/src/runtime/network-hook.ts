/**
 * The seam to the network module. The runtime creates the network namespace itself:
 *  - "none":          a new netns with only lo (up); the hook is not called
 *  - "host":          no new netns; the hook is not called
 *  - "container:<id>": joins that container's netns; the hook is not called
 *  - anything else ("bridge" or a network name): a new netns with lo up, then `attach` is called
 *    during the two-phase start, after the container's init reported its pid and before the
 *    user's command runs. `detach` is called once the container has stopped (its netns is gone
 *    by then, and with it the veth end inside) and again on remove; it must be idempotent.
 */

export interface NetworkAttachContext {
  containerId: string;
  containerName: string;
  /** The network mode as given ("bridge", a network name …). */
  networkMode: string;
  hostname: string;
  /** Host pid of the container's init. */
  pid: number;
  /** /proc/<pid>/ns/net: valid while the container runs. */
  netnsPath: string;
}

export interface NetworkAttachResult {
  /** New content for the container's /etc/hosts (written in place: the bind mount sees it). */
  etcHosts?: string;
  /** New content for /etc/resolv.conf. */
  resolvConf?: string;
}

export interface NetworkDetachContext {
  containerId: string;
  networkMode: string;
  /** True when called from remove (the last call for this container). */
  removing: boolean;
}

export interface NetworkHook {
  attach(ctx: NetworkAttachContext): Promise<NetworkAttachResult | void>;
  detach(ctx: NetworkDetachContext): Promise<void>;
}

/** Modes whose namespace the runtime handles alone. */
export function needsHook(mode: string): boolean {
  return mode !== 'none' && mode !== 'host' && !mode.startsWith('container:');
}
