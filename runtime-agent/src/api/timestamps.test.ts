import { describe, expect, it } from 'vitest';
import { parseTimestampNs, rfc3339Nano } from './timestamps';

describe('timestamps', () => {
  it('parses Unix seconds with and without fractions', () => {
    expect(parseTimestampNs('1700000000')).toBe(1_700_000_000_000_000_000n);
    expect(parseTimestampNs('1700000000.5')).toBe(1_700_000_000_500_000_000n);
    expect(parseTimestampNs('1700000000.000000001')).toBe(1_700_000_000_000_000_001n);
  });
  it('parses RFC 3339 and rejects garbage', () => {
    expect(parseTimestampNs('2023-11-14T22:13:20Z')).toBe(1_700_000_000_000_000_000n);
    expect(parseTimestampNs('2023-11-14T22:13:20.123456789Z')).toBe(1_700_000_000_123_456_789n);
    expect(() => parseTimestampNs('yesterday', 'since')).toThrow(/invalid value for since/);
  });
  it('formats nanoseconds like Docker', () => {
    expect(rfc3339Nano(1_700_000_000_000_000_042n)).toBe('2023-11-14T22:13:20.000000042Z');
  });
});
