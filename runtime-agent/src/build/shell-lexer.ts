/**
 * Docker's Dockerfile word lexer: quote removal, escapes and variable expansion (`$VAR`, `${VAR}`,
 * `${VAR:-x}`, `${VAR-x}`, `${VAR:+x}`, `${VAR+x}`, `${VAR:?msg}`, `${VAR#pat}`, `${VAR%pat}`,
 * `${VAR/pat/repl}`) and word splitting, with the semantics of BuildKit's `shell.Lex`, which the
 * classic builder uses too. It is not a shell: there is no command substitution, arithmetic or
 * globbing, and unknown modifiers are errors.
 */
import { type EnvLookup } from './shell-env';
import { ShellLexError, shellPatternToRegex, trimPrefix, trimSuffix } from './shell-pattern';

export { EMPTY_ENV, envFromList, envFromMap, type EnvLookup } from './shell-env';
export { ShellLexError, shellPatternToRegex };

export interface LexOptions {
  /** Keep quote characters in the output (used to detect quoted heredoc delimiters). */
  rawQuotes?: boolean;
  /** Keep escape characters in the output. */
  rawEscapes?: boolean;
  /** Leave references to unset variables as written (`$X`, `${X:-y}`). */
  skipUnsetEnv?: boolean;
  /** Treat quotes as ordinary characters (heredoc bodies). */
  skipProcessQuotes?: boolean;
}

export interface WordResult {
  result: string;
  /** Variables that were referenced and set. */
  matched: Set<string>;
  /** Variables that were referenced but unset. */
  unmatched: Set<string>;
}

const EOF = '';

const reSpaceLatin1 = /^[\t\n\v\f\r \u0085\u00a0]$/;
const reWhiteSpace = /^\p{White_Space}$/u;
const reLetter = /^\p{L}$/u;
const reDigit = /^\p{Nd}$/u;

/** Go's unicode.IsSpace. */
export function isGoSpace(ch: string): boolean {
  if (ch === EOF) return false;
  const c = ch.codePointAt(0) ?? 0;
  if (c <= 0xff) return reSpaceLatin1.test(ch);
  return reWhiteSpace.test(ch);
}

const isLetter = (ch: string): boolean => ch !== EOF && reLetter.test(ch);
const isDigit = (ch: string): boolean => ch !== EOF && reDigit.test(ch);
const isSpecialParam = (ch: string): boolean => '@*#?-$!0'.includes(ch) && ch !== EOF;

/** Word accumulator for ProcessWords: splits on unquoted whitespace that came from expansions or plain text. */
class Words {
  private buf = '';
  private inWord = false;
  readonly words: string[] = [];

  addChar(ch: string): void {
    if (isGoSpace(ch)) {
      if (this.inWord && this.buf.length > 0) {
        this.words.push(this.buf);
        this.buf = '';
        this.inWord = false;
      }
    } else {
      this.addRawChar(ch);
    }
  }
  addRawChar(ch: string): void {
    this.buf += ch;
    this.inWord = true;
  }
  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }
  addRawString(s: string): void {
    this.buf += s;
    this.inWord = true;
  }
  finish(): string[] {
    if (this.buf.length > 0) {
      this.words.push(this.buf);
      this.buf = '';
      this.inWord = false;
    }
    return this.words;
  }
}

class Scanner {
  private pos = 0;
  private readonly chars: string[];
  constructor(src: string) {
    this.chars = Array.from(src);
  }
  peek(): string {
    return this.pos < this.chars.length ? (this.chars[this.pos] as string) : EOF;
  }
  next(): string {
    return this.pos < this.chars.length ? (this.chars[this.pos++] as string) : EOF;
  }
}

export class ShellLexer {
  readonly escapeToken: string;
  readonly options: Readonly<LexOptions>;

  constructor(escapeToken = '\\', options: LexOptions = {}) {
    this.escapeToken = escapeToken;
    this.options = { ...options };
  }

  /** Expands one word (quotes removed, spaces kept): ENV values, WORKDIR, COPY paths … */
  processWord(word: string, env: EnvLookup): WordResult {
    const run = new Run(this, word, env);
    const { result } = run.process(word);
    return { result, matched: run.matched, unmatched: run.unmatched };
  }

  /** Expands and splits into words (EXPOSE, heredoc detection). */
  processWords(word: string, env: EnvLookup): string[] {
    return new Run(this, word, env).process(word).words;
  }
}

class Run {
  private readonly sc: Scanner;
  private rawEscapes: boolean;
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();

  constructor(
    private readonly lex: ShellLexer,
    word: string,
    private readonly env: EnvLookup,
  ) {
    this.sc = new Scanner(word);
    this.rawEscapes = !!lex.options.rawEscapes;
  }

  process(source: string): { result: string; words: string[] } {
    try {
      return this.processStopOn(EOF, this.rawEscapes);
    } catch (err) {
      if (err instanceof ShellLexError) throw new ShellLexError(`failed to process "${source}": ${err.message}`);
      throw err;
    }
  }

  private processStopOn(stopChar: string, rawEscapes: boolean): { result: string; words: string[] } {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      return this.scanUntil(stopChar);
    } finally {
      this.rawEscapes = saved;
    }
  }

  private scanUntil(stopChar: string): { result: string; words: string[] } {
    const { options, escapeToken } = this.lex;
    let result = '';
    const words = new Words();
    while (this.sc.peek() !== EOF) {
      let ch = this.sc.peek();
      if (stopChar !== EOF && ch === stopChar) {
        this.sc.next();
        return { result, words: words.finish() };
      }
      const special = ch === '$' || ch === '<' || (!options.skipProcessQuotes && (ch === "'" || ch === '"'));
      if (special) {
        const tmp = this.processSpecial(ch);
        result += tmp;
        if (ch === '$') words.addString(tmp);
        else words.addRawString(tmp);
        continue;
      }
      ch = this.sc.next();
      if (ch === escapeToken) {
        if (this.rawEscapes) {
          words.addRawChar(ch);
          result += ch;
        }
        ch = this.sc.next();
        if (ch === EOF) break;
        words.addRawChar(ch);
      } else {
        words.addChar(ch);
      }
      result += ch;
    }
    if (stopChar !== EOF) {
      throw new ShellLexError(`unexpected end of statement while looking for matching ${stopChar}`);
    }
    return { result, words: words.finish() };
  }

  private processSpecial(ch: string): string {
    switch (ch) {
      case '$':
        return this.processDollar();
      case '<':
        return this.processPossibleHeredoc();
      case "'":
        return this.processSingleQuote();
      default:
        return this.processDoubleQuote();
    }
  }

  private processSingleQuote(): string {
    const raw = !!this.lex.options.rawQuotes;
    let out = '';
    const open = this.sc.next();
    if (raw) out += open;
    for (;;) {
      const ch = this.sc.next();
      if (ch === EOF) throw new ShellLexError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") {
        if (raw) out += ch;
        return out;
      }
      out += ch;
    }
  }

  private processDoubleQuote(): string {
    const raw = !!this.lex.options.rawQuotes;
    const esc = this.lex.escapeToken;
    let out = '';
    const open = this.sc.next();
    if (raw) out += open;
    for (;;) {
      const p = this.sc.peek();
      if (p === EOF) throw new ShellLexError('unexpected end of statement while looking for matching double-quote');
      if (p === '"') {
        const ch = this.sc.next();
        if (raw) out += ch;
        return out;
      }
      if (p === '$') {
        out += this.processDollar();
        continue;
      }
      let ch = this.sc.next();
      if (ch === esc) {
        if (this.rawEscapes) out += ch;
        const n = this.sc.peek();
        if (n === EOF) continue; // a trailing escape is dropped; the loop then reports the open quote
        if (n === '"' || n === '$' || n === esc) ch = this.sc.next();
      }
      out += ch;
    }
  }

  private processPossibleHeredoc(): string {
    this.sc.next();
    if (this.sc.peek() !== '<') return '<';
    this.sc.next();
    let space = '';
    for (let n = this.sc.peek(); n === '\t' || n === '\r' || n === ' '; n = this.sc.peek()) {
      space += this.sc.next();
    }
    return '<<' + space;
  }

  private processName(): string {
    let name = '';
    while (this.sc.peek() !== EOF) {
      const ch = this.sc.peek();
      if (name.length === 0 && isDigit(ch)) {
        while (isDigit(this.sc.peek())) name += this.sc.next();
        return name;
      }
      if (name.length === 0 && isSpecialParam(ch)) return this.sc.next();
      if (!isLetter(ch) && !isDigit(ch) && ch !== '_') break;
      name += this.sc.next();
    }
    return name;
  }

  private getEnv(name: string): string | undefined {
    const v = this.env.get(name);
    if (v === undefined) this.unmatched.add(name);
    else this.matched.add(name);
    return v;
  }

  private processDollar(): string {
    const skipUnset = !!this.lex.options.skipUnsetEnv;
    this.sc.next();
    if (this.sc.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      const value = this.getEnv(name);
      if (value === undefined && skipUnset) return '$' + name;
      return value ?? '';
    }
    this.sc.next();
    const first = this.sc.peek();
    if (first === EOF) throw new ShellLexError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new ShellLexError('syntax error: bad substitution');
    const name = this.processName();
    let ch = this.sc.next();
    if (ch === EOF) throw new ShellLexError("syntax error: missing '}'");
    let chs = ch;
    if (ch === '}') {
      const value = this.getEnv(name);
      if (value === undefined && skipUnset) return '${' + name + '}';
      return value ?? '';
    }
    if (ch === '/') return this.processReplace(name);
    let nullIsUnset = false;
    if (ch === ':') {
      nullIsUnset = true;
      ch = this.sc.next();
      chs += ch;
    } else if (!'+-?#%'.includes(ch)) {
      throw new ShellLexError(`unsupported modifier (${chs}) in substitution`);
    }
    const patternOp = ch === '#' || ch === '%';
    if (nullIsUnset && patternOp) throw new ShellLexError(`unsupported modifier (${chs}) in substitution`);
    let word: string;
    try {
      word = this.processStopOn('}', patternOp).result;
    } catch (err) {
      if (this.sc.peek() === EOF) throw new ShellLexError("syntax error: missing '}'");
      throw err;
    }
    const value = this.getEnv(name);
    if (skipUnset && value === undefined) return '${' + name + chs + word + '}';
    const unset = value === undefined || (nullIsUnset && value === '');
    switch (ch) {
      case '-':
        return unset ? word : (value ?? '');
      case '+':
        return unset ? '' : word;
      case '?':
        if (value === undefined) throw new ShellLexError(`${name}: ${word || 'is not allowed to be unset'}`);
        if (nullIsUnset && value === '') throw new ShellLexError(`${name}: ${word || 'is not allowed to be empty'}`);
        return value;
      case '#':
      case '%': {
        let greedy = false;
        let pattern = word;
        if (pattern.startsWith(ch)) {
          greedy = true;
          pattern = pattern.slice(1);
        }
        return ch === '%' ? trimSuffix(pattern, value ?? '', greedy) : trimPrefix(pattern, value ?? '', greedy);
      }
      default:
        throw new ShellLexError(`unsupported modifier (${chs}) in substitution`);
    }
  }

  private processReplace(name: string): string {
    const replaceAll = this.sc.peek() === '/';
    if (replaceAll) this.sc.next();
    let pattern: string;
    try {
      pattern = this.processStopOn('/', true).result;
    } catch (err) {
      if (this.sc.peek() === EOF) throw new ShellLexError("syntax error: missing '/' in ${}");
      throw err;
    }
    let replacement: string;
    try {
      replacement = this.processStopOn('}', true).result;
    } catch (err) {
      if (this.sc.peek() === EOF) throw new ShellLexError("syntax error: missing '}'");
      throw err;
    }
    const value = this.getEnv(name);
    if (this.lex.options.skipUnsetEnv && value === undefined)
      return '${' + name + '/' + pattern + '/' + replacement + '}';
    const re = shellPatternToRegex(pattern, true, false, replaceAll);
    const v = value ?? '';
    return replaceAll ? v.replace(re, () => replacement) : v.replace(re, () => replacement);
  }
}
