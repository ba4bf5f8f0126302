/**
 * nftables backend: one table `ip <name>` holds every Berth rule, so `nft list table ip <name>`
 * shows them all and deleting the table removes them. Published ports live in two maps, so a
 * container start or stop only adds or deletes map elements (through netlink when possible,
 * see nft-elements.ts) and never reloads rules.
 */
import type { Runner } from './exec';
import { mustRun } from './exec';
import type { FirewallBackend, FwModel, FwNetwork, FwPort } from './types';

export interface ElementWriter {
  /** Add and delete map elements in one transaction; throws when the kernel refuses. */
  update(added: FwPort[], removed: FwPort[]): void;
  close(): void;
}

const q = (s: string): string => JSON.stringify(s);

function portKeyText(p: FwPort): string {
  return p.hostIp ? `${p.hostIp} . ${p.proto} . ${p.hostPort}` : `${p.proto} . ${p.hostPort}`;
}

function portElem(p: FwPort): string {
  return `${portKeyText(p)} : ${p.containerIp} . ${p.containerPort}`;
}

const mapFor = (p: FwPort): string => (p.hostIp ? 'ports_ip' : 'ports_any');

function natRules(n: FwNetwork): { pre: string[]; post: string[] } {
  const br = q(n.bridge);
  const pre: string[] = [];
  if (n.dnsPort && n.dnsPort !== 53) {
    for (const proto of ['udp', 'tcp'])
      pre.push(`iifname ${br} ip daddr ${n.gateway} ${proto} dport 53 dnat to ${n.gateway}:${n.dnsPort}`);
  }
  const post = [`oifname ${br} ip saddr ${n.subnet} ct status dnat masquerade`];
  if (!n.internal && n.masquerade) post.push(`ip saddr ${n.subnet} oifname != ${br} masquerade`);
  return { pre, post };
}

function forwardRules(n: FwNetwork): string[] {
  const br = q(n.bridge);
  const out: string[] = [];
  if (n.internal) out.push(`iifname ${br} oifname != ${br} drop`, `oifname ${br} iifname != ${br} drop`);
  out.push(`iifname ${br} oifname @bridges oifname != ${br} drop`);
  return out;
}

/** The whole table as an nft script that replaces any previous version atomically. */
export function renderNftables(table: string, m: FwModel): string {
  const t = `ip ${table}`;
  const bridges = m.networks.map((n) => q(n.bridge));
  const elems = (list: FwPort[]): string =>
    list.length ? `\n    elements = { ${list.map(portElem).join(',\n      ')} }` : '';
  const pre = m.networks.flatMap((n) => natRules(n).pre);
  const post = m.networks.flatMap((n) => natRules(n).post);
  const fwd = m.networks.flatMap(forwardRules);
  const lines = [
    `table ${t} {}`,
    `delete table ${t}`,
    `table ${t} {`,
    `  set bridges {\n    type ifname${bridges.length ? `\n    elements = { ${bridges.join(', ')} }` : ''}\n  }`,
    `  map ports_ip {\n    type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service${elems(m.ports.filter((p) => p.hostIp))}\n  }`,
    `  map ports_any {\n    type inet_proto . inet_service : ipv4_addr . inet_service${elems(m.ports.filter((p) => !p.hostIp))}\n  }`,
    // route_localnet is on for the bridges (host 127.0.0.1 → DNAT → container); never let a
    // container address the host's loopback or pose as it (CVE-2020-8558).
    '  chain guard {',
    '    type filter hook prerouting priority -150; policy accept;',
    '    iifname @bridges ip daddr 127.0.0.0/8 counter drop',
    '    iifname @bridges ip saddr 127.0.0.0/8 counter drop',
    '  }',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    ...pre.map((r) => `    ${r}`),
    '    fib daddr type local jump publish',
    '  }',
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    '    fib daddr type local jump publish',
    '  }',
    '  chain publish {',
    '    dnat ip to ip daddr . meta l4proto . th dport map @ports_ip',
    '    dnat ip to meta l4proto . th dport map @ports_any',
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    // Host → 127.0.0.1:port DNAT'd into a bridge: the container must answer the bridge address.
    '    oifname @bridges ip saddr 127.0.0.0/8 masquerade',
    ...post.map((r) => `    ${r}`),
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    // Published ports are public: reachable from every network, isolation applies to the rest.
    '    ct status dnat accept',
    ...fwd.map((r) => `    ${r}`),
    '  }',
    '}',
  ];
  return lines.join('\n') + '\n';
}

export function renderPortUpdate(table: string, added: FwPort[], removed: FwPort[]): string {
  const lines: string[] = [];
  for (const p of removed) lines.push(`delete element ip ${table} ${mapFor(p)} { ${portKeyText(p)} }`);
  for (const p of added) lines.push(`add element ip ${table} ${mapFor(p)} { ${portElem(p)} }`);
  return lines.join('\n') + '\n';
}

export class NftablesBackend implements FirewallBackend {
  readonly kind = 'nftables' as const;

  constructor(
    private readonly table: string,
    private readonly run: Runner,
    private readonly nft = 'nft',
    private readonly elements?: ElementWriter,
  ) {}

  async apply(model: FwModel): Promise<void> {
    await mustRun(this.run, this.nft, ['-f', '-'], renderNftables(this.table, model));
  }

  async updatePorts(model: FwModel, added: FwPort[], removed: FwPort[]): Promise<void> {
    if (added.length === 0 && removed.length === 0) return;
    if (this.elements) {
      try {
        this.elements.update(added, removed);
        return;
      } catch {
        // The table may be missing or out of date (someone flushed it): rebuild it whole.
        await this.apply(model);
        return;
      }
    }
    const r = await this.run(this.nft, ['-f', '-'], renderPortUpdate(this.table, added, removed));
    if (r.code !== 0) await this.apply(model);
  }

  async clear(): Promise<void> {
    await mustRun(this.run, this.nft, ['-f', '-'], `table ip ${this.table} {}\ndelete table ip ${this.table}\n`);
  }

  async list(): Promise<string> {
    const r = await this.run(this.nft, ['list', 'table', 'ip', this.table]);
    return r.code === 0 ? r.stdout : '';
  }

  close(): void {
    this.elements?.close();
  }
}
