import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { script, shCommand, shq } from './host';

describe('shell quoting', () => {
  const words = ['plain', 'with space', "it's", "'", '$HOME `id` $(id) \\ " ; & | * ?', '', 'ünï\tcode'];

  it('shq quotes any word for a POSIX shell', () => {
    for (const w of words) {
      expect(execFileSync('sh', ['-c', `printf %s ${shq(w)}`]).toString()).toBe(w);
    }
  });

  it('shCommand passes arguments as positional parameters through a login shell', () => {
    const cmd = shCommand(script('printf "%s|" "$@"', 'printf "%s" "$#"'), words);
    // What sshd does: the login shell gets the command line with -c.
    expect(execFileSync('bash', ['-c', cmd]).toString()).toBe(words.join('|') + '|' + words.length);
    expect(execFileSync('dash', ['-c', cmd]).toString()).toBe(words.join('|') + '|' + words.length);
  });

  it('refuses multi-line scripts (csh-family login shells cannot take them)', () => {
    expect(() => shCommand('a\nb', [])).toThrow(/single lines/);
  });
});
