import { describe, expect, it } from 'vitest';
import { parseFilters } from '../../query';
import type { NetworkListEntry } from './backend';
import { filterNetworks, parseUntil, pruneCriteria } from './filters';

const net = (
  Name: string,
  Driver: string,
  Labels: Record<string, string> = {},
  containers = 0,
  builtin = false,
): NetworkListEntry => ({
  builtin,
  network: {
    Name,
    Id: `${Name.padEnd(8, '0')}`.replace(/[^0-9a-f]/g, 'a') + 'ffff',
    Created: '',
    Scope: 'local',
    Driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: Object.fromEntries(Array.from({ length: containers }, (_, i) => [`c${i}`, {} as never])),
    Options: {},
    Labels,
  },
});

const all = [
  net('bridge', 'bridge', {}, 0, true),
  net('host', 'host', {}, 0, true),
  net('web', 'bridge', { env: 'prod' }, 1),
  net('db', 'bridge', { env: 'dev' }),
];
const names = (f: string) => filterNetworks(all, parseFilters(f)).map((e) => e.network.Name);

describe('network list filters', () => {
  it('filters by name (substring), driver, label, type and dangling', () => {
    expect(names('{"name":{"we":true}}')).toEqual(['web']);
    expect(names('{"driver":["host"]}')).toEqual(['host']);
    expect(names('{"label":["env=prod"]}')).toEqual(['web']);
    expect(names('{"label":["env"]}')).toEqual(['web', 'db']);
    expect(names('{"type":["custom"]}')).toEqual(['web', 'db']);
    expect(names('{"type":["builtin"]}')).toEqual(['bridge', 'host']);
    expect(names('{"dangling":["true"]}')).toEqual(['db']);
    expect(names('{"dangling":["false"]}')).toEqual(['bridge', 'host', 'web']);
  });
  it('refuses unknown filters and values', () => {
    expect(() => names('{"colour":["red"]}')).toThrow(/invalid filter 'colour'/);
    expect(() => names('{"type":["odd"]}')).toThrow(/invalid filter/);
    expect(() => names('{"dangling":["maybe"]}')).toThrow(/invalid filter/);
  });
});

describe('prune filters', () => {
  it('reads until in its three forms and labels', () => {
    const now = Date.parse('2026-01-02T00:00:00Z');
    expect(parseUntil('1700000000').getTime()).toBe(1700000000_000);
    expect(parseUntil('24h', now).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(parseUntil('2025-05-01T10:00:00Z').toISOString()).toBe('2025-05-01T10:00:00.000Z');
    expect(() => parseUntil('soon')).toThrow(/invalid filter/);
    expect(pruneCriteria(parseFilters('{"label":["a=b"],"label!":["keep"]}'))).toEqual({
      until: undefined,
      labels: ['a=b'],
      notLabels: ['keep'],
    });
    expect(() => pruneCriteria(parseFilters('{"name":["x"]}'))).toThrow(/invalid filter 'name'/);
  });
});
