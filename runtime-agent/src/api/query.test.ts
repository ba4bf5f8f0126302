import { describe, expect, it } from 'vitest';
import { Query, checkFilterKeys, parseFilters } from './query';

describe('Query', () => {
  it('reads booleans like moby BoolValue', () => {
    const q = new Query(new URLSearchParams('a=1&b=0&c=true&d=false&e=&f=no&g=yes'));
    expect([q.bool('a'), q.bool('b'), q.bool('c'), q.bool('d'), q.bool('e'), q.bool('f'), q.bool('g')]).toEqual([
      true,
      false,
      true,
      false,
      false,
      false,
      true,
    ]);
    expect(q.bool('missing', true)).toBe(true);
  });
  it('rejects non-integers', () => {
    const q = new Query(new URLSearchParams('t=abc&n=12'));
    expect(q.int('n')).toBe(12);
    expect(() => q.int('t')).toThrow(/not an integer/);
  });
});

describe('filters', () => {
  it('accepts the CLI map form and the dockerode array form alike', () => {
    const a = parseFilters('{"status":{"running":true},"label":{"a=b":true}}');
    const b = parseFilters('{"status":["running"],"label":["a=b"]}');
    expect([...a]).toEqual([...b]);
    expect(a.get('status')).toEqual(['running']);
  });
  it('rejects malformed JSON and unknown keys', () => {
    expect(() => parseFilters('{nope')).toThrow(/not valid JSON/);
    expect(() => checkFilterKeys(parseFilters('{"bogus":["x"]}'), ['status'])).toThrow(/invalid filter 'bogus'/);
  });
});
