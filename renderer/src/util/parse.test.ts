import { describe, expect, it } from 'vitest';
import { parseDuration, parseEnvFile, parseSize, splitCommand } from './parse';

describe('parsing what users type', () => {
  it('sizes', () => {
    expect(parseSize('512m')).toBe(512 * 1024 ** 2);
    expect(parseSize('1.5g')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('64 MiB')).toBe(64 * 1024 ** 2);
    expect(parseSize('1048576')).toBe(1048576);
    expect(parseSize('12x')).toBeUndefined();
    expect(parseSize('')).toBeUndefined();
  });

  it('durations', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2')).toBe(2000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('1m soon')).toBeUndefined();
  });

  it('command lines the way a shell splits them', () => {
    expect(splitCommand(`sh -c "echo hi; sleep 1"`)).toEqual(['sh', '-c', 'echo hi; sleep 1']);
    expect(splitCommand(`echo 'a b' c\\ d "e\\"f" ''`)).toEqual(['echo', 'a b', 'c d', 'e"f', '']);
    expect(() => splitCommand('echo "open')).toThrow(/quote/);
  });

  it('env files', () => {
    const r = parseEnvFile('# comment\nA=1\nexport B=two=2\n\nC\nBAD NAME=x\n');
    expect(r.vars).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: 'two=2' },
      { name: 'C', value: '' },
    ]);
    expect(r.badLines).toEqual([6]);
  });
});
