/** Go's path/filepath.Clean and filepath.Match for slash-separated paths. */
import path from 'node:path/posix';

export function goClean(p: string): string {
  if (p === '') return '.';
  const n = path.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

export class BadPatternError extends Error {
  constructor(pattern: string) {
    super(`syntax error in pattern: ${pattern}`);
  }
}

const matchCache = new Map<string, RegExp>();

function escapeRe(ch: string, inClass = false): string {
  if (/[\\^$.*+?()[\]{}|/]/.test(ch) || (inClass && ch === '-')) return '\\' + ch;
  return ch;
}

/** Compiles a filepath.Match pattern; throws BadPatternError like Go's ErrBadPattern. */
export function compileMatch(pattern: string): RegExp {
  const cached = matchCache.get(pattern);
  if (cached) return cached;
  const chars = Array.from(pattern);
  let re = '^';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '*') {
      re += '[^/]*';
    } else if (ch === '?') {
      re += '[^/]';
    } else if (ch === '\\') {
      i++;
      if (i >= chars.length) throw new BadPatternError(pattern);
      re += escapeRe(chars[i] as string);
    } else if (ch === '[') {
      i++;
      let cls = '[';
      if (chars[i] === '^') {
        cls += '^';
        i++;
      }
      let n = 0;
      for (;;) {
        if (i >= chars.length) throw new BadPatternError(pattern);
        let c = chars[i] as string;
        if (c === ']' && n > 0) break;
        if (c === '-' || c === ']') throw new BadPatternError(pattern);
        if (c === '\\') {
          i++;
          if (i >= chars.length) throw new BadPatternError(pattern);
          c = chars[i] as string;
        }
        cls += escapeRe(c, true);
        i++;
        if (chars[i] === '-') {
          i++;
          let hi = chars[i];
          if (hi === undefined || hi === ']' || hi === '-') throw new BadPatternError(pattern);
          if (hi === '\\') {
            i++;
            hi = chars[i];
            if (hi === undefined) throw new BadPatternError(pattern);
          }
          if (hi < c) throw new BadPatternError(pattern);
          cls += '-' + escapeRe(hi, true);
          i++;
        }
        n++;
      }
      re += cls + ']';
    } else {
      re += escapeRe(ch);
    }
  }
  const out = new RegExp(re + '$', 'u');
  matchCache.set(pattern, out);
  return out;
}

/** filepath.Match(pattern, name). */
export function goMatch(pattern: string, name: string): boolean {
  return compileMatch(pattern).test(name);
}

/** Whether a COPY source uses wildcards (an escaped `*`, `?` or `[` does not count). */
export function containsWildcards(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === '\\') i++;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}
