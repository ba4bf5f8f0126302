/**
 * The network module's configuration from the daemon's flags. Host-wide names derive from the
 * data root unless given: the default data root gets "berth" (table `ip berth`, bridge berth0),
 * any other data root a short hash of its path, so daemons side by side (tests, developers)
 * never share a bridge, a table or a veth name.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import type { Logger } from '../daemon/logger';
import { DEFAULT_DATA_ROOT, type DaemonFlags } from '../daemon/flags';
import { parseFirewallPreference } from './firewall/detect';
import type { NetworkConfig } from './context';

export function defaultPrefix(dataRoot: string): string {
  if (path.resolve(dataRoot) === DEFAULT_DATA_ROOT) return 'berth';
  return 'b' + crypto.createHash('sha256').update(path.resolve(dataRoot)).digest('hex').slice(0, 5);
}

export function networkConfigFromFlags(flags: DaemonFlags, log: Logger): NetworkConfig {
  const prefix = flags.networkPrefix ?? defaultPrefix(flags.dataRoot);
  return {
    stateDir: path.join(flags.dataRoot, 'network'),
    prefix,
    bridgeName: flags.bridgeName ?? `${prefix}0`,
    bridgeSubnet: flags.bridgeSubnet,
    mtu: flags.mtu,
    ipForward: flags.ipForward,
    firewall: parseFirewallPreference(flags.firewallBackend),
    log: log.child({ module: 'network' }),
  };
}
