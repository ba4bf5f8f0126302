import { describe, expect, it } from 'vitest';
import { flagValue } from './berthd';

describe('test harness: berthd flags', () => {
  it('reads the value berthd takes: the last occurrence, in either form', () => {
    expect(flagValue(['--insecure-registry', 'h:1'], '--data-root')).toBeUndefined();
    expect(flagValue(['--data-root', '/a', '--insecure-registry', 'h:1'], '--data-root')).toBe('/a');
    expect(flagValue(['--data-root', '/a', '--data-root=/b'], '--data-root')).toBe('/b');
    expect(flagValue(['--data-root=/a', '--data-root', '/b'], '--data-root')).toBe('/b');
    expect(flagValue(['--data-root'], '--data-root')).toBeUndefined();
    expect(flagValue(['--data-root-extra=/x'], '--data-root')).toBeUndefined();
  });
});
