/**
 * Picks the firewall backend at run time: nftables when `nft` is installed, else iptables in
 * whichever flavour the host's `iptables` command is (legacy or nf_tables, read from the
 * alternatives symlink so no process is spawned). Nothing found is a clear error at first use,
 * never at daemon start: a host without a packet filter can still run `--network none|host`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FailedPrecondition, InvalidArgument } from '../../errdefs';
import type { FirewallKind } from './types';

export type FirewallPreference = 'auto' | 'nftables' | 'iptables';

export interface DetectedFirewall {
  kind: FirewallKind;
  /** nft, or iptables-save / iptables-restore of the matching flavour. */
  nft?: string;
  save?: string;
  restore?: string;
}

export function parseFirewallPreference(v: string): FirewallPreference {
  if (v === 'auto' || v === 'nftables' || v === 'iptables') return v;
  throw new InvalidArgument(`invalid firewall backend "${v}": want auto, nftables or iptables`);
}

function defaultDirs(): string[] {
  const fromEnv = (process.env.PATH ?? '').split(':').filter(Boolean);
  return [...new Set([...fromEnv, '/usr/sbin', '/sbin', '/usr/bin', '/bin'])];
}

export function findTool(name: string, dirs: readonly string[]): string | undefined {
  for (const d of dirs) {
    const p = path.join(d, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

function iptablesFlavour(iptables: string): 'iptables-nft' | 'iptables-legacy' {
  let target = iptables;
  try {
    target = fs.realpathSync(iptables);
  } catch {
    /* keep the name */
  }
  return /legacy/.test(path.basename(target)) ? 'iptables-legacy' : 'iptables-nft';
}

export function detectFirewall(
  prefer: FirewallPreference = 'auto',
  dirs: readonly string[] = defaultDirs(),
): DetectedFirewall {
  if (prefer !== 'iptables') {
    const nft = findTool('nft', dirs);
    if (nft) return { kind: 'nftables', nft };
    if (prefer === 'nftables')
      throw new FailedPrecondition('the nftables firewall backend was asked for, but the nft command is not installed');
  }
  const iptables = findTool('iptables', dirs);
  if (iptables) {
    const kind = iptablesFlavour(iptables);
    const flavour = kind === 'iptables-legacy' ? 'legacy' : 'nft';
    const save = findTool(`iptables-${flavour}-save`, dirs) ?? findTool('iptables-save', dirs);
    const restore = findTool(`iptables-${flavour}-restore`, dirs) ?? findTool('iptables-restore', dirs);
    if (save && restore) return { kind, save, restore };
  }
  throw new FailedPrecondition(
    'no firewall tool found: bridge networks need nftables (the nft command) or iptables with iptables-save and ' +
      'iptables-restore; install the nftables or iptables package',
  );
}
