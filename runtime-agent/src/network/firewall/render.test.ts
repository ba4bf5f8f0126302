import { describe, expect, it } from 'vitest';
import { parseSave, renderIptables, renderIptablesClear, renderPortsChain } from './iptables';
import { renderNftables, renderPortUpdate } from './nftables';
import type { FwModel } from './types';

const model: FwModel = {
  networks: [
    { bridge: 'bt0', subnet: '10.1.0.0/24', gateway: '10.1.0.1', internal: false, masquerade: true },
    {
      bridge: 'bt-1234abcd',
      subnet: '10.2.0.0/24',
      gateway: '10.2.0.1',
      internal: true,
      masquerade: true,
      dnsPort: 40000,
    },
  ],
  ports: [
    { proto: 'tcp', hostIp: '127.0.0.1', hostPort: 18080, containerIp: '10.1.0.2', containerPort: 80 },
    { proto: 'udp', hostIp: '', hostPort: 5353, containerIp: '10.1.0.3', containerPort: 53 },
  ],
};

describe('nftables rendering', () => {
  const text = renderNftables('bt', model);
  it('replaces the table atomically and keeps everything in it', () => {
    expect(text.startsWith('table ip bt {}\ndelete table ip bt\ntable ip bt {')).toBe(true);
    expect(text).not.toMatch(/table (inet|ip6|bridge) /);
  });
  it('maps published ports with and without a host address', () => {
    expect(text).toContain('127.0.0.1 . tcp . 18080 : 10.1.0.2 . 80');
    expect(text).toContain('udp . 5353 : 10.1.0.3 . 53');
    expect(text).toContain('dnat ip to ip daddr . meta l4proto . th dport map @ports_ip');
  });
  it('masquerades outbound only for non-internal networks and hairpin for all', () => {
    expect(text).toContain('ip saddr 10.1.0.0/24 oifname != "bt0" masquerade');
    expect(text).not.toContain('ip saddr 10.2.0.0/24 oifname != "bt-1234abcd" masquerade');
    expect(text).toContain('oifname "bt-1234abcd" ip saddr 10.2.0.0/24 ct status dnat masquerade');
    expect(text).toContain('oifname @bridges ip saddr 127.0.0.0/8 masquerade');
  });
  it('isolates networks and seals internal ones', () => {
    expect(text).toContain('iifname "bt0" oifname @bridges oifname != "bt0" drop');
    expect(text).toContain('iifname "bt-1234abcd" oifname != "bt-1234abcd" drop');
    expect(text).toContain('oifname "bt-1234abcd" iifname != "bt-1234abcd" drop');
  });
  it('guards the host loopback against the bridges', () => {
    expect(text).toContain('iifname @bridges ip daddr 127.0.0.0/8 counter drop');
    expect(text).toContain('iifname @bridges ip saddr 127.0.0.0/8 counter drop');
  });
  it('redirects DNS when the embedded server is not on port 53', () => {
    expect(text).toContain('iifname "bt-1234abcd" ip daddr 10.2.0.1 udp dport 53 dnat to 10.2.0.1:40000');
    expect(text).not.toContain('ip daddr 10.1.0.1 udp dport 53');
  });
  it('renders element updates', () => {
    expect(renderPortUpdate('bt', [model.ports[0]!], [model.ports[1]!])).toBe(
      'delete element ip bt ports_any { udp . 5353 }\nadd element ip bt ports_ip { 127.0.0.1 . tcp . 18080 : 10.1.0.2 . 80 }\n',
    );
  });
  it('declares empty sets without elements', () => {
    const empty = renderNftables('bt', { networks: [], ports: [] });
    expect(empty).not.toContain('elements');
  });
});

describe('iptables rendering', () => {
  it('writes Berth chains and only the missing jumps', () => {
    const text = renderIptables('bt', model, new Set(['nat -A PREROUTING -j BT-PRE']));
    expect(text).toContain(':BT-PORTS - [0:0]');
    expect(text).toContain(
      '-A BT-PORTS -d 127.0.0.1/32 -p tcp -m tcp --dport 18080 -j DNAT --to-destination 10.1.0.2:80',
    );
    expect(text).toContain('-A BT-PORTS -p udp -m udp --dport 5353 -j DNAT --to-destination 10.1.0.3:53');
    expect(text).not.toContain('-A PREROUTING -j BT-PRE');
    expect(text).toContain('-A OUTPUT -j BT-OUT');
    expect(text).toContain('-I FORWARD 1 -j BT-FWD');
    expect(text).toContain('-A BT-FWD -i bt0 -o bt-1234abcd -j DROP');
    expect(text).toContain('-A BT-FWD -m conntrack --ctstate DNAT -j RETURN');
    expect(text).not.toMatch(/-j ACCEPT/);
    expect(text).toContain('-A BT-GUARD -d 127.0.0.0/8 -i bt0 -j DROP');
    expect(text).toContain('-I PREROUTING 1 -j BT-GUARD');
    expect(text.match(/COMMIT/g)).toHaveLength(3);
  });
  it('removes only what exists', () => {
    const present = parseSave(
      '*nat\n:PREROUTING ACCEPT [0:0]\n:BT-PRE - [0:0]\n-A PREROUTING -j BT-PRE\nCOMMIT\n*filter\n:FORWARD ACCEPT [0:0]\nCOMMIT\n',
    );
    expect(renderIptablesClear('bt', present)).toBe(
      '*nat\n-D PREROUTING -j BT-PRE\n:BT-PRE - [0:0]\n-X BT-PRE\nCOMMIT\n',
    );
    expect(renderIptablesClear('bt', new Set())).toBe('');
  });
  it('rewrites the ports chain alone', () => {
    expect(renderPortsChain('bt', [])).toBe('*nat\n:BT-PORTS - [0:0]\nCOMMIT\n');
  });
});
