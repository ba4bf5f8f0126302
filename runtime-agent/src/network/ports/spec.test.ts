import { describe, expect, it } from 'vitest';
import { dockerPortMap, parsePortSpec, requestsFromApi } from './spec';

const r = (containerPort: number, hostPortStart = 0, hostPortEnd = hostPortStart, hostIp = '', proto = 'tcp') => ({
  proto,
  containerPort,
  hostIp,
  hostPortStart,
  hostPortEnd,
});

describe('parsePortSpec', () => {
  it('parses the -p forms', () => {
    expect(parsePortSpec('80')).toEqual([r(80)]);
    expect(parsePortSpec('8080:80')).toEqual([r(80, 8080)]);
    expect(parsePortSpec('127.0.0.1:18080:80')).toEqual([r(80, 18080, 18080, '127.0.0.1')]);
    expect(parsePortSpec('127.0.0.1::80/udp')).toEqual([r(80, 0, 0, '127.0.0.1', 'udp')]);
    expect(parsePortSpec('0.0.0.0:53:53/UDP')).toEqual([r(53, 53, 53, '', 'udp')]);
  });
  it('expands ranges', () => {
    expect(parsePortSpec('8000-8001:80-81')).toEqual([r(80, 8000), r(81, 8001)]);
    expect(parsePortSpec('8000-8010:80')).toEqual([r(80, 8000, 8010)]);
    expect(parsePortSpec('80-82')).toEqual([r(80), r(81), r(82)]);
  });
  it('refuses bad specs with a message naming the problem', () => {
    expect(() => parsePortSpec('')).toThrow(/empty/);
    expect(() => parsePortSpec('abc')).toThrow(/container port "abc" is not a number/);
    expect(() => parsePortSpec('70000:80')).toThrow(/host port 70000 is out of range/);
    expect(() => parsePortSpec('8080:0')).toThrow(/container port 0 is out of range/);
    expect(() => parsePortSpec('8000-8002:80-81')).toThrow(/must match/);
    expect(() => parsePortSpec('90-80')).toThrow(/ends before it starts/);
    expect(() => parsePortSpec('80/sctp')).toThrow(/sctp is not supported/);
    expect(() => parsePortSpec('80/icmp')).toThrow(/unknown protocol/);
    expect(() => parsePortSpec('[::1]:80:80')).toThrow(/IPv6/);
    expect(() => parsePortSpec('300.1.1.1:80:80')).toThrow(/not an IPv4 address/);
    expect(() => parsePortSpec('1:2:3:4')).toThrow(/too many colons/);
    expect(() => parsePortSpec('8080:')).toThrow(/no container port/);
  });
});

describe('API port configuration', () => {
  it('reads PortBindings and PublishAllPorts', () => {
    const got = requestsFromApi({
      PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '18080' }], '53/udp': [{ HostPort: '' }] },
      PublishAllPorts: true,
      ExposedPorts: { '80/tcp': {}, '443/tcp': {} },
    });
    expect(got).toEqual([r(80, 18080, 18080, '127.0.0.1'), r(53, 0, 0, '', 'udp'), r(443)]);
    expect(() => requestsFromApi({ PortBindings: { '80/tcp': [{ HostPort: 'x' }] } })).toThrow(/host port "x"/);
  });
  it('prints Docker NetworkSettings.Ports', () => {
    expect(
      dockerPortMap(
        [
          { proto: 'tcp', containerPort: 80, hostIp: '', hostPort: 49153 },
          { proto: 'tcp', containerPort: 80, hostIp: '127.0.0.1', hostPort: 8080 },
        ],
        ['80/tcp', '22/tcp'],
      ),
    ).toEqual({
      '80/tcp': [
        { HostIp: '0.0.0.0', HostPort: '49153' },
        { HostIp: '127.0.0.1', HostPort: '8080' },
      ],
      '22/tcp': null,
    });
  });
});
