import { describe, expect, it } from 'vitest';
import { AddressPool, defaultGateway, poolLayout } from './ipam';
import { formatIPv4, macForIPv4, overlaps, parseCidr, parseIPv4 } from './ip';

describe('IPv4 helpers', () => {
  it('parses and formats addresses and prefixes', () => {
    expect(formatIPv4(parseIPv4('10.1.2.3'))).toBe('10.1.2.3');
    expect(() => parseIPv4('10.1.2.256')).toThrow(/invalid IP address/);
    expect(() => parseIPv4('010.1.2.3')).toThrow(/invalid/);
    expect(parseCidr('172.20.0.0/16')).toEqual({ addr: parseIPv4('172.20.0.0'), len: 16 });
    expect(() => parseCidr('172.20.0.1/16')).toThrow(/host bits are set \(did you mean 172\.20\.0\.0\/16\?\)/);
    expect(() => parseCidr('172.20.0.0')).toThrow(/CIDR/);
    expect(() => parseCidr('172.20.0.0/33')).toThrow(/prefix length/);
  });
  it('detects overlaps both ways', () => {
    expect(overlaps(parseCidr('10.0.0.0/8'), parseCidr('10.3.0.0/16'))).toBe(true);
    expect(overlaps(parseCidr('10.3.0.0/16'), parseCidr('10.0.0.0/8'))).toBe(true);
    expect(overlaps(parseCidr('10.3.0.0/16'), parseCidr('10.4.0.0/16'))).toBe(false);
  });
  it('derives Docker-style MACs', () => {
    expect(macForIPv4(parseIPv4('172.17.0.2'))).toBe('02:42:ac:11:00:02');
  });
});

describe('AddressPool', () => {
  it('hands out the lowest free address, skipping gateway, network and broadcast', () => {
    const p = new AddressPool({ subnet: '10.8.0.0/29', gateway: '10.8.0.1' });
    const got = [1, 2, 3, 4, 5].map((i) => formatIPv4(p.allocate(`c${i}`)));
    expect(got).toEqual(['10.8.0.2', '10.8.0.3', '10.8.0.4', '10.8.0.5', '10.8.0.6']);
    expect(() => p.allocate('c6')).toThrow(/no available IPv4 addresses/);
  });
  it('reuses a released address first', () => {
    const p = new AddressPool({ subnet: '10.8.0.0/24', gateway: '10.8.0.1' });
    const a = p.allocate('a');
    p.allocate('b');
    p.release(a);
    expect(p.allocate('c')).toBe(a);
  });
  it('honours ip-range and auxiliary addresses', () => {
    const p = new AddressPool({
      subnet: '10.8.0.0/24',
      gateway: '10.8.0.1',
      ipRange: '10.8.0.128/30',
      auxAddresses: { host: '10.8.0.129' },
    });
    expect(formatIPv4(p.allocate('a'))).toBe('10.8.0.128');
    expect(formatIPv4(p.allocate('b'))).toBe('10.8.0.130');
  });
  it('claims static addresses and refuses clashes', () => {
    const p = new AddressPool({ subnet: '10.8.0.0/24', gateway: '10.8.0.1' });
    p.allocate('a', '10.8.0.50');
    expect(() => p.allocate('b', '10.8.0.50')).toThrow(/already in use/);
    expect(() => p.allocate('b', '10.8.0.1')).toThrow(/reserved/);
    expect(() => p.allocate('b', '10.9.0.5')).toThrow(/no configured subnet/);
    expect(() => p.allocate('b', '10.8.0.255')).toThrow(/broadcast/);
    expect(formatIPv4(p.allocate('b'))).toBe('10.8.0.2');
    // the same owner may claim its own address again (restart)
    p.claim(parseIPv4('10.8.0.50'), 'a');
  });
  it('validates the layout with clear messages', () => {
    expect(() => poolLayout({ subnet: '10.8.0.0/24', gateway: '10.9.0.1' })).toThrow(/gateway 10.9.0.1 is not within/);
    expect(() => poolLayout({ subnet: '10.8.0.0/24', gateway: '10.8.0.0' })).toThrow(/network or broadcast/);
    expect(() => poolLayout({ subnet: '10.8.0.0/31', gateway: '10.8.0.1' })).toThrow(/too small/);
    expect(() => poolLayout({ subnet: '10.8.0.0/24', gateway: '10.8.0.1', ipRange: '10.9.0.0/25' })).toThrow(
      /not within subnet/,
    );
    expect(defaultGateway('10.8.0.0/24')).toBe('10.8.0.1');
  });
});
