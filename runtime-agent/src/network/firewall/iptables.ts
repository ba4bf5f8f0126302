/**
 * iptables backend (legacy or nft flavour, whichever the host's `iptables` is): Berth's rules
 * live in its own chains, <PREFIX>-PRE/-OUT/-POST/-PORTS in `nat` and <PREFIX>-FWD in `filter`,
 * reached by one jump rule from each built-in chain. Each change is one iptables-restore
 * --noflush run: declaring a chain flushes it, so the chains are rewritten atomically per table
 * and nothing else in the host's tables is touched.
 */
import type { Runner } from './exec';
import { mustRun } from './exec';
import type { FirewallBackend, FirewallKind, FwModel, FwPort } from './types';

export interface IptablesTools {
  save: string;
  restore: string;
}

type Table = 'raw' | 'nat' | 'filter';

interface Jump {
  table: Table;
  chain: string;
  target: string;
  /** Insert at the top (FORWARD: our drops must come before the host's accepts). */
  first: boolean;
}

export function chainNames(prefix: string): {
  guard: string;
  pre: string;
  out: string;
  post: string;
  ports: string;
  fwd: string;
} {
  const p = prefix.toUpperCase();
  return {
    guard: `${p}-GUARD`,
    pre: `${p}-PRE`,
    out: `${p}-OUT`,
    post: `${p}-POST`,
    ports: `${p}-PORTS`,
    fwd: `${p}-FWD`,
  };
}

function jumps(prefix: string): Jump[] {
  const c = chainNames(prefix);
  return [
    { table: 'raw', chain: 'PREROUTING', target: c.guard, first: true },
    { table: 'nat', chain: 'PREROUTING', target: c.pre, first: false },
    { table: 'nat', chain: 'OUTPUT', target: c.out, first: false },
    { table: 'nat', chain: 'POSTROUTING', target: c.post, first: false },
    { table: 'filter', chain: 'FORWARD', target: c.fwd, first: true },
  ];
}

function portRule(chain: string, p: FwPort): string {
  const dst = p.hostIp ? ` -d ${p.hostIp}/32` : '';
  return `-A ${chain}${dst} -p ${p.proto} -m ${p.proto} --dport ${p.hostPort} -j DNAT --to-destination ${p.containerIp}:${p.containerPort}`;
}

/** The nat chain holding published ports, alone (container start/stop). */
export function renderPortsChain(prefix: string, ports: FwPort[]): string {
  const c = chainNames(prefix);
  return ['*nat', `:${c.ports} - [0:0]`, ...ports.map((p) => portRule(c.ports, p)), 'COMMIT', ''].join('\n');
}

/** Both tables' chains, plus the jump rules missing from `present` (lines of iptables-save). */
export function renderIptables(prefix: string, m: FwModel, present: ReadonlySet<string>): string {
  const c = chainNames(prefix);
  const nat: string[] = ['*nat'];
  for (const ch of [c.pre, c.out, c.post, c.ports]) nat.push(`:${ch} - [0:0]`);
  for (const n of m.networks) {
    if (n.dnsPort && n.dnsPort !== 53) {
      for (const proto of ['udp', 'tcp'])
        nat.push(
          `-A ${c.pre} -d ${n.gateway}/32 -i ${n.bridge} -p ${proto} -m ${proto} --dport 53 -j DNAT --to-destination ${n.gateway}:${n.dnsPort}`,
        );
    }
  }
  nat.push(`-A ${c.pre} -m addrtype --dst-type LOCAL -j ${c.ports}`);
  nat.push(`-A ${c.out} -m addrtype --dst-type LOCAL -j ${c.ports}`);
  for (const p of m.ports) nat.push(portRule(c.ports, p));
  for (const n of m.networks) {
    nat.push(`-A ${c.post} -s 127.0.0.0/8 -o ${n.bridge} -j MASQUERADE`);
    nat.push(`-A ${c.post} -s ${n.subnet} -o ${n.bridge} -m conntrack --ctstate DNAT -j MASQUERADE`);
    if (!n.internal && n.masquerade) nat.push(`-A ${c.post} -s ${n.subnet} ! -o ${n.bridge} -j MASQUERADE`);
  }
  const filter: string[] = ['*filter', `:${c.fwd} - [0:0]`];
  // RETURN, not ACCEPT: an ACCEPT here would skip the host's own FORWARD rules.
  filter.push(`-A ${c.fwd} -m conntrack --ctstate DNAT -j RETURN`);
  for (const n of m.networks) {
    if (n.internal) {
      filter.push(`-A ${c.fwd} -i ${n.bridge} ! -o ${n.bridge} -j DROP`);
      filter.push(`-A ${c.fwd} -o ${n.bridge} ! -i ${n.bridge} -j DROP`);
    }
    for (const other of m.networks) {
      if (other.bridge !== n.bridge) filter.push(`-A ${c.fwd} -i ${n.bridge} -o ${other.bridge} -j DROP`);
    }
  }
  // route_localnet is on for the bridges: never let a container address or pose as the host's
  // loopback (CVE-2020-8558).
  const raw: string[] = ['*raw', `:${c.guard} - [0:0]`];
  for (const n of m.networks) {
    raw.push(`-A ${c.guard} -d 127.0.0.0/8 -i ${n.bridge} -j DROP`);
    raw.push(`-A ${c.guard} -s 127.0.0.0/8 -i ${n.bridge} -j DROP`);
  }
  const byTable: Record<Table, string[]> = { raw, nat, filter };
  for (const j of jumps(prefix)) {
    if (present.has(`${j.table} -A ${j.chain} -j ${j.target}`)) continue;
    byTable[j.table].push(j.first ? `-I ${j.chain} 1 -j ${j.target}` : `-A ${j.chain} -j ${j.target}`);
  }
  return [...raw, 'COMMIT', ...nat, 'COMMIT', ...filter, 'COMMIT', ''].join('\n');
}

/** Remove the jumps and chains (only those that exist). */
export function renderIptablesClear(prefix: string, present: ReadonlySet<string>): string {
  const c = chainNames(prefix);
  const out: string[] = [];
  for (const [table, chains] of [
    ['raw', [c.guard]],
    ['nat', [c.pre, c.out, c.post, c.ports]],
    ['filter', [c.fwd]],
  ] as const) {
    const body: string[] = [];
    for (const j of jumps(prefix).filter((x) => x.table === table)) {
      if (present.has(`${table} -A ${j.chain} -j ${j.target}`)) body.push(`-D ${j.chain} -j ${j.target}`);
    }
    const existing = chains.filter((ch) => present.has(`${table} :${ch}`));
    for (const ch of existing) body.push(`:${ch} - [0:0]`);
    for (const ch of existing) body.push(`-X ${ch}`);
    if (body.length) out.push(`*${table}`, ...body, 'COMMIT');
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** Lines of iptables-save for both tables, keyed "<table> <line>" (chain declarations shortened to ":NAME"). */
export function parseSave(text: string): Set<string> {
  const out = new Set<string>();
  let table = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) table = line.slice(1);
    else if (line.startsWith(':')) out.add(`${table} ${line.split(' ')[0]}`);
    else if (line.startsWith('-A ')) out.add(`${table} ${line}`);
  }
  return out;
}

export class IptablesBackend implements FirewallBackend {
  constructor(
    readonly kind: Exclude<FirewallKind, 'nftables'>,
    private readonly prefix: string,
    private readonly tools: IptablesTools,
    private readonly run: Runner,
  ) {}

  private async saved(): Promise<{ set: Set<string>; text: string }> {
    let text = '';
    for (const table of ['raw', 'nat', 'filter']) text += await mustRun(this.run, this.tools.save, ['-t', table]);
    return { set: parseSave(text), text };
  }

  async apply(model: FwModel): Promise<void> {
    const { set } = await this.saved();
    await mustRun(this.run, this.tools.restore, ['--noflush'], renderIptables(this.prefix, model, set));
  }

  async updatePorts(model: FwModel, added: FwPort[], removed: FwPort[]): Promise<void> {
    if (added.length === 0 && removed.length === 0) return;
    const r = await this.run(this.tools.restore, ['--noflush'], renderPortsChain(this.prefix, model.ports));
    if (r.code !== 0) await this.apply(model);
  }

  async clear(): Promise<void> {
    const { set } = await this.saved();
    const script = renderIptablesClear(this.prefix, set);
    if (script) await mustRun(this.run, this.tools.restore, ['--noflush'], script);
  }

  async list(): Promise<string> {
    const { text } = await this.saved();
    const c = Object.values(chainNames(this.prefix));
    return text
      .split('\n')
      .filter((l) => c.some((ch) => l.includes(ch)))
      .join('\n');
  }

  close(): void {}
}
