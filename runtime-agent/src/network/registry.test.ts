import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NetworkRegistry } from './registry';
import { NetworkStore } from './store';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netreg-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('network records', () => {
  const reg = new NetworkRegistry(new NetworkStore(dir));
  const build = (req: Parameters<NetworkRegistry['buildRecord']>[0]) =>
    reg.buildRecord(
      req,
      (id) => `bt-${id.slice(0, 8)}`,
      { mtu: 1500 },
      () => '10.44.0.0/16',
    );

  it('fills defaults and validates options', () => {
    const r = build({ name: 'web', labels: { a: 'b' } });
    expect(r.bridge).toBe(`bt-${r.id.slice(0, 8)}`);
    expect(r.ipam.config[0]).toEqual({ subnet: '10.44.0.0/16', gateway: '10.44.0.1' });
    expect(r.autoSubnet).toBe(true);
    expect(r.masquerade).toBe(true);
    const custom = build({
      name: 'c',
      internal: true,
      ipam: { config: [{ subnet: '10.45.0.0/24', gateway: '10.45.0.254', ipRange: '10.45.0.128/25' }] },
      options: { 'com.docker.network.driver.mtu': '1400', 'com.docker.network.bridge.name': 'mybr' },
    });
    expect(custom).toMatchObject({ internal: true, mtu: 1400, bridge: 'mybr', autoSubnet: false });
  });
  it('refuses bad requests with clear messages', () => {
    expect(() => build({ name: '' })).toThrow(/name is required/);
    expect(() => build({ name: 'bad name' })).toThrow(/invalid network name/);
    expect(() => build({ name: 'x', driver: 'overlay' })).toThrow(/plugin "overlay" not found/);
    expect(() => build({ name: 'x', driver: 'host' })).toThrow(/only one instance of "host"/);
    expect(() => build({ name: 'x', enableIPv6: true })).toThrow(/IPv6/);
    expect(() => build({ name: 'x', options: { 'com.docker.network.driver.mtu': '9' } })).toThrow(/invalid MTU/);
    expect(() => build({ name: 'x', options: { 'com.docker.network.bridge.name': 'waytoolongbridgename' } })).toThrow(
      /bridge name/,
    );
    expect(() => build({ name: 'x', ipam: { config: [{ gateway: '10.0.0.1' }] } })).toThrow(/needs a subnet/);
    expect(() => build({ name: 'x', ipam: { config: [{ subnet: '10.0.0.0/24', gateway: '10.1.0.1' }] } })).toThrow(
      /not within subnet/,
    );
    expect(() => build({ name: 'x', options: { 'com.docker.network.bridge.enable_icc': 'false' } })).toThrow(
      /not supported/,
    );
  });
  it('finds by ID, name and unique prefix', () => {
    const a = build({ name: 'alpha' });
    reg.put(a);
    expect(reg.find('alpha')).toBe(a);
    expect(reg.find(a.id)).toBe(a);
    expect(reg.find(a.id.slice(0, 6))).toBe(a);
    expect(() => reg.resolve('nope')).toThrow(/network nope not found/);
    expect(() => build({ name: 'alpha' })).toThrow(/already exists/);
    const again = new NetworkRegistry(new NetworkStore(dir));
    again.load();
    expect(again.find('alpha')?.id).toBe(a.id);
  });
});
