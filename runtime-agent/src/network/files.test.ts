import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseResolvConf, renderResolvConf } from './dns/resolvconf';
import { parseExtraHosts, renderHosts, writeEtcFiles } from './etc-files';

const HOST = parseResolvConf(`# generated
nameserver 127.0.0.53
nameserver 192.0.2.53
nameserver fd00::1
search corp.example lab.example
options edns0 trust-ad
`);

describe('resolv.conf', () => {
  it('parses the host file', () => {
    expect(HOST).toEqual({
      nameservers: ['127.0.0.53', '192.0.2.53', 'fd00::1'],
      search: ['corp.example', 'lab.example'],
      options: ['edns0', 'trust-ad'],
    });
  });
  it('gives default-bridge containers the reachable host resolvers', () => {
    expect(renderResolvConf(HOST, {}, undefined)).toBe(
      'nameserver 192.0.2.53\nsearch corp.example lab.example\noptions edns0 trust-ad\n',
    );
    const onlyLocal = parseResolvConf('nameserver 127.0.0.53\n');
    expect(renderResolvConf(onlyLocal, {}, undefined)).toBe('nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  });
  it('honours --dns, --dns-search, --dns-option', () => {
    expect(
      renderResolvConf(HOST, { dns: ['10.0.0.53'], dnsSearch: ['x.test'], dnsOptions: ['ndots:2'] }, undefined),
    ).toBe('nameserver 10.0.0.53\nsearch x.test\noptions ndots:2\n');
  });
  it('points user-network containers at the embedded DNS', () => {
    const text = renderResolvConf(HOST, { dns: ['10.0.0.53'] }, '10.9.0.1');
    expect(text).toMatch(/^nameserver 10\.9\.0\.1$/m);
    expect(text).not.toContain('10.0.0.53');
  });
});

describe('hosts', () => {
  it('writes localhost, extra hosts and the container line', () => {
    const extra = parseExtraHosts(['db:10.1.2.3', 'v6:[fd00::5]', 'gw:host-gateway'], '172.17.0.1');
    const text = renderHosts([{ ip: '172.17.0.2', names: ['abc123'] }], extra);
    expect(text.split('\n')).toEqual(
      expect.arrayContaining([
        '127.0.0.1\tlocalhost',
        '10.1.2.3\tdb',
        'fd00::5\tv6',
        '172.17.0.1\tgw',
        '172.17.0.2\tabc123',
      ]),
    );
  });
  it('refuses bad --add-host values', () => {
    expect(() => parseExtraHosts(['nocolon'], undefined)).toThrow(/want name:ip/);
    expect(() => parseExtraHosts(['a:not-an-ip'], undefined)).toThrow(/not an IP address/);
    expect(() => parseExtraHosts(['a:host-gateway'], undefined)).toThrow(/host-gateway/);
  });
  it('rewrites files in place (bind mounts keep seeing them)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etc-'));
    try {
      writeEtcFiles(dir, {
        hosts: 'a much longer first version\n',
        resolvConf: 'nameserver 1.1.1.1\n',
        hostname: 'h1',
      });
      const ino = fs.statSync(path.join(dir, 'hosts')).ino;
      writeEtcFiles(dir, { hosts: 'short\n', resolvConf: 'nameserver 1.1.1.1\n', hostname: 'h2' });
      expect(fs.statSync(path.join(dir, 'hosts')).ino).toBe(ino);
      expect(fs.readFileSync(path.join(dir, 'hosts'), 'utf8')).toBe('short\n');
      expect(fs.readFileSync(path.join(dir, 'hostname'), 'utf8')).toBe('h2\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
