import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMPTY_ENV, envFromList, envFromMap, ShellLexer, shellPatternToRegex } from './shell-lexer';

const dir = path.join(import.meta.dirname, 'testdata', 'lexer');

function rows(file: string): { line: number; text: string }[] {
  return fs
    .readFileSync(path.join(dir, file), 'utf8')
    .split('\n')
    .map((text, i) => ({ line: i + 1, text }))
    .filter((r) => r.text.trim() !== '' && !r.text.startsWith('#'));
}

describe('processWord: Docker expansion table (testdata/lexer/expand.txt)', () => {
  const env = envFromList(['PWD=/home', 'SHELL=bash', 'KOREAN=한국어', 'NULL=']);
  const lex = new ShellLexer('\\');
  for (const { line, text } of rows('expand.txt')) {
    const bar = text.indexOf('|');
    const input = text.slice(0, bar).trim();
    const expected = text.slice(bar + 1).trim();
    it(`line ${line}: ${input}`, () => {
      if (expected === 'error') expect(() => lex.processWord(input, env)).toThrow();
      else expect(lex.processWord(input, env).result).toBe(expected);
    });
  }
});

describe('processWords: word splitting table (testdata/lexer/words.txt)', () => {
  const lex = new ShellLexer('\\');
  let env: string[] = [];
  for (const { line, text } of rows('words.txt')) {
    if (text.startsWith('ENV ')) {
      env = [...env, text.slice(4).replace(/^ +/, '')];
      continue;
    }
    const bar = text.indexOf('|');
    const input = text.slice(0, bar).trim();
    const rawExpected = text.slice(bar + 1).replace(/^ +/, '');
    const snapshot = [...env];
    it(`line ${line}: ${input}`, () => {
      const e = envFromList(snapshot);
      if (rawExpected === 'error') expect(() => lex.processWords(input, e)).toThrow();
      else expect(lex.processWords(input, e)).toEqual(rawExpected === '' ? [] : rawExpected.split(','));
    });
  }
});

describe('ShellLexer', () => {
  it('honours the backtick escape token', () => {
    const lex = new ShellLexer('`');
    const env = envFromMap({ A: 'x' });
    expect(lex.processWord('C:\\path\\$A', env).result).toBe('C:\\path\\x');
    expect(lex.processWord('`$A', env).result).toBe('$A');
    expect(lex.processWord('"a`"b"', env).result).toBe('a"b');
  });

  it('reports the mandatory-variable message with expansion', () => {
    const lex = new ShellLexer();
    const word = '${VAR:?message here$ARG}';
    expect(lex.processWord(word, envFromList(['VAR=plain', 'ARG=x'])).result).toBe('plain');
    expect(() => lex.processWord(word, envFromList(['VAR=', 'ARG=x']))).toThrow(/VAR: message herex/);
    expect(() => lex.processWord(word, envFromList(['ARG=x']))).toThrow(/VAR: message herex/);
    expect(lex.processWord('${VAR?m}', envFromList(['VAR=']))).toMatchObject({ result: '' });
  });

  it('wraps errors with the word being processed', () => {
    expect(() => new ShellLexer().processWord('a${b', EMPTY_ENV)).toThrow(
      `failed to process "a\${b": syntax error: missing '}'`,
    );
    expect(() => new ShellLexer().processWord('${a:=b}', EMPTY_ENV)).toThrow(
      /unsupported modifier \(:=\) in substitution/,
    );
  });

  it('records matched and unmatched variables', () => {
    const r = new ShellLexer().processWord('$A ${B:-x} $C', envFromMap({ A: '1', C: '' }));
    expect([...r.matched].sort()).toEqual(['A', 'C']);
    expect([...r.unmatched]).toEqual(['B']);
  });

  it('keeps unset references with skipUnsetEnv, quotes with rawQuotes, escapes with rawEscapes', () => {
    const lex = new ShellLexer('\\', { skipUnsetEnv: true, rawQuotes: true, rawEscapes: true });
    expect(lex.processWord(`$X \${Y} \${Z:-d} 'q' \\$`, envFromMap({}))).toMatchObject({
      result: `$X \${Y} \${Z:-d} 'q' \\$`,
    });
  });

  it('leaves quotes alone in heredoc bodies (skipProcessQuotes)', () => {
    const lex = new ShellLexer('\\', { skipProcessQuotes: true });
    expect(lex.processWord(`"$A" '$A' \\$A`, envFromMap({ A: 'v' })).result).toBe(`"v" 'v' $A`);
  });

  it('converts shell patterns like BuildKit', () => {
    expect(shellPatternToRegex('*', true, true).source).toBe('^.*');
    expect(shellPatternToRegex('?', true, true).source).toBe('^.');
    expect(shellPatternToRegex('\\*', true, true).source).toBe('^\\*');
    expect(shellPatternToRegex('(()[]{\\}^$.\\*\\?|\\\\', true, true).source).toBe(
      '^\\(\\(\\)\\[\\]\\{\\}\\^\\$\\.\\*\\?\\|\\\\',
    );
    for (const bad of ['\\', '\\x', '\\\\\\']) expect(() => shellPatternToRegex(bad, true, true)).toThrow();
  });

  it('trims prefixes and suffixes with special characters and unicode', () => {
    const lex = new ShellLexer();
    const w = (word: string, env: Record<string, string>): string => lex.processWord(word, envFromMap(env)).result;
    expect(w('${FOO#()[]{\\}^$.\\*\\?|\\\\}', { FOO: '()[]{}^$.*?|\\x' })).toBe('x');
    expect(w('${FOO%%\\**}', { FOO: 'xx**' })).toBe('xx');
    expect(w('${FOO#*x*y}', { FOO: 'xxyy' })).toBe('y');
    expect(w('${FOO#*}', { FOO: 'xxyy' })).toBe('xxyy');
    expect(w('${FOO#$BAR}', { FOO: 'xxyy', BAR: 'x' })).toBe('xyy');
    expect(w('${FOO%%y*}', { FOO: '👽xy🚀y' })).toBe('👽x');
    expect(w('${FOO%y*}', { FOO: '👽xy🚀y' })).toBe('👽xy🚀');
  });
});
