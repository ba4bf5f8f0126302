import { describe, expect, it } from 'vitest';
import { Forbidden, Conflict } from '../errdefs';
import { formatCidr, parseCidr, parseIPv4 } from './ip';
import { checkSubnet, chooseSubnet, defaultPools, type ClashContext } from './subnets';

const route = (cidr: string, oif = 2, table = 254) => {
  const p = parseCidr(cidr);
  return { table, dst: p.addr, dstLen: p.len, oif, type: 1 };
};

function ctx(routes: string[], networks: Array<[string, string]> = []): ClashContext {
  return {
    routes: [
      { table: 254, dst: 0, dstLen: 0, oif: 2, type: 1 },
      ...routes.map((r) => route(r)),
      route('127.0.0.0/8', 1, 255),
    ],
    ifName: (i) => (i === 2 ? 'eth0' : undefined),
    networks: networks.map(([name, s]) => ({ name, subnet: parseCidr(s) })),
  };
}

describe('subnet choice', () => {
  it('skips host routes and Berth networks, ignores the default route and the local table', () => {
    const c = ctx(['172.17.0.0/16', '172.18.5.0/24'], [['other', '172.19.0.0/16']]);
    expect(formatCidr(chooseSubnet(c))).toBe('172.20.0.0/16');
  });
  it('falls through to 192.168 /20s and reports exhaustion', () => {
    const all = [...defaultPools()];
    expect(all).toHaveLength(31);
    const c = ctx(['172.16.0.0/12']);
    expect(formatCidr(chooseSubnet(c))).toBe('192.168.0.0/20');
    expect(() => chooseSubnet(ctx(['172.16.0.0/12', '192.168.0.0/16']))).toThrow(/non-overlapping IPv4 address pool/);
  });
  it('names the clash: another network (Forbidden) or a host route (Conflict)', () => {
    const c = ctx(['192.0.2.0/24'], [['web', '10.1.0.0/16']]);
    expect(() => checkSubnet(parseCidr('10.1.2.0/24'), c)).toThrow(Forbidden);
    expect(() => checkSubnet(parseCidr('10.1.2.0/24'), c)).toThrow(/overlaps network "web"/);
    expect(() => checkSubnet(parseCidr('192.0.2.128/25'), c)).toThrow(Conflict);
    expect(() => checkSubnet(parseCidr('192.0.2.128/25'), c)).toThrow(/host route 192\.0\.2\.0\/24 dev eth0/);
    expect(() => checkSubnet(parseCidr('10.2.0.0/16'), c)).not.toThrow();
  });
  it('ignores the routes of the network’s own bridge', () => {
    const c = { ...ctx([]), routes: [route('10.7.0.0/24', 9)], ignoreIfIndexes: new Set([9]) };
    expect(() => checkSubnet(parseCidr('10.7.0.0/24'), c)).not.toThrow();
    void parseIPv4;
  });
});
