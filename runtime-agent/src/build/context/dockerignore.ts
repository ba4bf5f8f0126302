/**
 * `.dockerignore` with Docker's rules (moby/patternmatcher and its ignorefile reader): `#` comment
 * lines, trimmed and cleaned patterns, a leading `/` ignored, `*` and `?` within one path element,
 * `**` across elements, `!` exceptions evaluated in order, and a path excluded when it or any of
 * its parent directories matches. Matching is case-sensitive.
 *
 * @balena/dockerignore was checked against this and differs in ways that matter (see
 * dockerignore.test.ts): it ignores case by default, does not escape `+ ( ) | { }` (so `a+b` is a
 * regular expression there), matches `**x` differently and only checks one parent directory.
 */
import { InvalidArgument } from '../../errdefs';
import { goClean, goMatch, BadPatternError } from './go-path';

/** Patterns as Docker reads them from `.dockerignore`. */
export function readIgnoreFile(text: string): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\ufeff/, '').split('\n');
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('#')) continue;
    let pattern = line.trim();
    if (pattern === '') continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = goClean(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    out.push(invert ? '!' + pattern : pattern);
  }
  return out;
}

type MatchKind = 'exact' | 'prefix' | 'suffix' | 'regexp';

class Pattern {
  readonly exclusion: boolean;
  readonly cleaned: string;
  private kind: MatchKind = 'exact';
  private re?: RegExp;

  constructor(raw: string) {
    let p = goClean(raw.trim());
    this.exclusion = p.startsWith('!');
    if (this.exclusion) {
      if (p.length === 1) throw new InvalidArgument('illegal exclusion pattern: "!"');
      p = p.slice(1);
    }
    try {
      goMatch(p, '.');
    } catch (err) {
      if (err instanceof BadPatternError) throw new InvalidArgument(`.dockerignore: ${err.message}`);
      throw err;
    }
    this.cleaned = p;
    this.compile();
  }

  private compile(): void {
    const chars = Array.from(this.cleaned);
    let re = '^';
    let kind: MatchKind = 'exact';
    for (let i = 0; i < chars.length; i++) {
      const ch = chars[i] as string;
      if (ch === '*') {
        if (chars[i + 1] === '*') {
          const first = i === 0;
          i++;
          if (chars[i + 1] === '/') i++;
          if (i + 1 >= chars.length) {
            if (kind === 'exact') kind = 'prefix';
            else {
              re += '.*';
              kind = 'regexp';
            }
          } else {
            re += '(.*/)?';
            kind = 'regexp';
          }
          if (first) kind = 'suffix';
        } else {
          re += '[^/]*';
          kind = 'regexp';
        }
      } else if (ch === '?') {
        re += '[^/]';
        kind = 'regexp';
      } else if ('.+()|{}$'.includes(ch)) {
        re += '\\' + ch;
      } else if (ch === '\\') {
        if (i + 1 < chars.length) {
          re += '\\' + (chars[++i] as string);
          kind = 'regexp';
        } else {
          re += '\\\\';
        }
      } else if (ch === '[' || ch === ']') {
        re += ch;
        kind = 'regexp';
      } else {
        re += ch;
      }
    }
    this.kind = kind;
    if (kind === 'regexp') {
      try {
        this.re = new RegExp(re + '$');
      } catch {
        throw new InvalidArgument(`.dockerignore: syntax error in pattern: ${this.cleaned}`);
      }
    }
  }

  match(p: string): boolean {
    switch (this.kind) {
      case 'exact':
        return p === this.cleaned;
      case 'prefix':
        return p.startsWith(this.cleaned.slice(0, -2));
      case 'suffix': {
        const suffix = this.cleaned.slice(2);
        if (p.endsWith(suffix)) return true;
        return suffix.startsWith('/') && p === suffix.slice(1);
      }
      default:
        return (this.re as RegExp).test(p);
    }
  }
}

export class IgnoreMatcher {
  private readonly patterns: Pattern[];

  constructor(patterns: readonly string[]) {
    this.patterns = patterns.filter((p) => p.trim() !== '').map((p) => new Pattern(p));
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  get hasExclusions(): boolean {
    return this.patterns.some((p) => p.exclusion);
  }

  /** Whether `file` (slash-separated, relative to the context) is excluded. */
  ignores(file: string): boolean {
    const f = goClean(file);
    if (f === '.') return false;
    const slash = f.lastIndexOf('/');
    const parent = slash < 0 ? '.' : f.slice(0, slash);
    const dirs = parent.split('/');
    let matched = false;
    for (const pattern of this.patterns) {
      if (pattern.exclusion !== matched) continue;
      let match = pattern.match(f);
      if (!match && parent !== '.') {
        for (let i = 0; i < dirs.length && !match; i++) match = pattern.match(dirs.slice(0, i + 1).join('/'));
      }
      if (match) matched = !pattern.exclusion;
    }
    return matched;
  }
}

/** Paths left out of a source root (.dockerignore of a directory context, COPY --exclude). */
export interface PathFilter {
  excluded(relToRoot: string): boolean;
  /** `!` exceptions exist: an excluded directory may still contain included entries. */
  hasExceptions: boolean;
}

export function matcherFilter(m: IgnoreMatcher): PathFilter | undefined {
  return m.empty ? undefined : { excluded: (rel) => m.ignores(rel), hasExceptions: m.hasExclusions };
}

/** A path is excluded when any filter excludes it. */
export function combineFilters(...filters: (PathFilter | undefined)[]): PathFilter | undefined {
  const fs = filters.filter((f): f is PathFilter => f !== undefined);
  if (fs.length <= 1) return fs[0];
  return { excluded: (rel) => fs.some((f) => f.excluded(rel)), hasExceptions: fs.some((f) => f.hasExceptions) };
}
