import { describe, expect, it } from 'vitest';
import {
  MessageBuilder,
  NLA_F_NESTED,
  parseAttrs,
  parseError,
  parseMessages,
  attrString,
  NLMSG_ERROR,
} from './message';
import { elementMessage, portDataBytes, portKeyBytes } from './nftables';

describe('netlink messages', () => {
  it('writes header, family header and padded attributes', () => {
    const m = new MessageBuilder(16, 0x5, Buffer.alloc(16)).str(3, 'eth0').u32(4, 1500).finish(7, 0);
    expect(m.readUInt32LE(0)).toBe(m.length);
    expect(m.readUInt16LE(4)).toBe(16);
    expect(m.readUInt16LE(6)).toBe(5);
    expect(m.readUInt32LE(8)).toBe(7);
    const attrs = parseAttrs(m, 32);
    expect(attrString(attrs.get(3))).toBe('eth0');
    expect(attrs.get(4)!.readUInt32LE(0)).toBe(1500);
    expect(m.length % 4).toBe(0);
  });
  it('patches nest lengths and flags', () => {
    const m = new MessageBuilder(1, 0).nest(18, (n) => n.str(1, 'veth').nest(2, (d) => d.u8(9, 1)), true).finish(1);
    const outer = m.readUInt16LE(16);
    expect(m.readUInt16LE(18)).toBe(18 | NLA_F_NESTED);
    expect(16 + outer).toBe(m.length); // like libmnl, a nest's length covers its padded content
    const inner = parseAttrs(m, 20, 16 + outer);
    expect(attrString(inner.get(1))).toBe('veth');
  });
  it('splits datagrams and reads extended-ack errors', () => {
    const err = Buffer.alloc(16 + 4 + 16 + 12);
    err.writeUInt32LE(err.length, 0);
    err.writeUInt16LE(NLMSG_ERROR, 4);
    err.writeUInt16LE(0x100 | 0x200, 6); // capped, TLVs
    err.writeUInt32LE(9, 8);
    err.writeInt32LE(-17, 16);
    err.writeUInt32LE(16, 20);
    err.writeUInt16LE(12, 36);
    err.writeUInt16LE(1, 38);
    err.write('exists\0', 40);
    const [m] = parseMessages(err);
    expect(m!.seq).toBe(9);
    expect(parseError(m!)).toEqual({ errno: 17, message: 'exists' });
  });
});

describe('nftables element encoding', () => {
  const p = { proto: 'tcp' as const, hostIp: '127.0.0.2', hostPort: 18080, containerIp: '10.1.0.2', containerPort: 80 };
  it('lays out concatenated keys in 32-bit registers (as nft --debug=mnl shows)', () => {
    expect(portKeyBytes(p).toString('hex')).toBe('7f000002' + '06000000' + '46a00000');
    expect(portKeyBytes({ ...p, hostIp: '', proto: 'udp' }).toString('hex')).toBe('11000000' + '46a00000');
    expect(portDataBytes(p).toString('hex')).toBe('0a010002' + '00500000');
  });
  it('builds NEWSETELEM for the right map', () => {
    const m = elementMessage('bt', p, true).finish(1);
    expect(m.readUInt16LE(4)).toBe((10 << 8) | 12);
    expect(m.toString('latin1')).toContain('ports_ip');
    const del = elementMessage('bt', { ...p, hostIp: '' }, false).finish(2);
    expect(del.readUInt16LE(4)).toBe((10 << 8) | 14);
    expect(del.toString('latin1')).toContain('ports_any');
  });
});
