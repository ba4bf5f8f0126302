import { describe, expect, it } from 'vitest';
import { createLogger } from '../daemon/logger';
import { parseFlags } from '../daemon/flags';
import { defaultPrefix, networkConfigFromFlags } from './config';
import { checkConfig } from './context';

const log = createLogger('error', () => undefined);

describe('network flags and host-wide names', () => {
  it('derives names from the data root so two daemons never share them', () => {
    expect(defaultPrefix('/var/lib/berth')).toBe('berth');
    const a = defaultPrefix('/tmp/a/data');
    const b = defaultPrefix('/tmp/b/data');
    expect(a).toMatch(/^b[0-9a-f]{5}$/);
    expect(a).not.toBe(b);
    const c = networkConfigFromFlags(parseFlags(['--data-root', '/tmp/a/data']), log);
    expect(c.prefix).toBe(a);
    expect(c.bridgeName).toBe(`${a}0`);
    expect(c.stateDir).toBe('/tmp/a/data/network');
    // A later --data-root wins, for the state dir and for the names derived from it.
    const later = networkConfigFromFlags(parseFlags(['--data-root', '/tmp/a/data', '--data-root=/tmp/b/data']), log);
    expect(later).toMatchObject({ prefix: b, bridgeName: `${b}0`, stateDir: '/tmp/b/data/network' });
  });
  it('reads the network flags', () => {
    const f = parseFlags([
      '--bridge-name=br9',
      '--network-prefix',
      'tst',
      '--mtu',
      '1400',
      '--ip-forward=false',
      '--firewall-backend',
      'iptables',
      '--bridge-subnet',
      '10.9.0.0/24',
    ]);
    const c = networkConfigFromFlags(f, log);
    expect(c).toMatchObject({
      bridgeName: 'br9',
      prefix: 'tst',
      mtu: 1400,
      ipForward: false,
      firewall: 'iptables',
      bridgeSubnet: '10.9.0.0/24',
    });
    expect(parseFlags(['--ip-forward']).ipForward).toBe(true);
    expect(parseFlags([]).ipForward).toBe(true);
    expect(() => parseFlags(['--ip-forward=maybe'])).toThrow(/want true or false/);
    expect(() => parseFlags(['--mtu', 'big'])).toThrow(/invalid MTU/);
    expect(() => networkConfigFromFlags(parseFlags(['--firewall-backend', 'pf']), log)).toThrow(
      /invalid firewall backend/,
    );
    expect(() => checkConfig({ ...c, prefix: 'Toolong1' })).toThrow(/invalid network prefix/);
  });
});
