/** `${VAR#pattern}`, `${VAR%pattern}` and `${VAR/pattern/replacement}` patterns, as BuildKit matches them. */

/** A lexing error; callers add the instruction and line. */
export class ShellLexError extends Error {}

/** Shell pattern (`*`, `?`, `\x`; no bracket expressions) to a regular expression, as BuildKit does. */
export function shellPatternToRegex(pattern: string, greedy: boolean, anchored: boolean, global = false): RegExp {
  const chars = Array.from(pattern);
  let out = anchored ? '^' : '';
  const star = greedy ? '.*' : '.*?';
  for (let i = 0; i < chars.length; i++) {
    const tok = chars[i] as string;
    if (tok === '*') {
      out += star;
      continue;
    }
    if (tok === '?') {
      out += '.';
      continue;
    }
    if (tok === '\\') {
      const n = chars[i + 1];
      // `}` and `/` need escaping inside ${}, but the escape is not part of the pattern
      if (n === '}' || n === '/') continue;
      i++;
      if (n !== '*' && n !== '?' && n !== '\\') {
        throw new ShellLexError(`invalid pattern (${pattern}) in substitution: invalid escape '\\${n ?? ''}'`);
      }
      out += '\\' + n;
      continue;
    }
    if ('[]{}.+()|^$'.includes(tok)) out += '\\';
    out += tok;
  }
  return new RegExp(out, global ? 'gu' : 'u');
}

export function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = shellPatternToRegex(pattern, greedy, true).exec(value);
  return m ? value.slice(m[0].length) : value;
}

/** Reverses a pattern keeping escapes in front of the character they escape (a\*c → c\*a). */
function reversePattern(pattern: string): string {
  const chars = Array.from(pattern);
  const out: string[] = new Array<string>(chars.length);
  const last = chars.length - 1;
  for (let i = 0; i <= last;) {
    const tok = chars[i] as string;
    const o = last - i;
    if (tok === '\\' && i !== last) {
      out[o - 1] = tok;
      out[o] = chars[i + 1] as string;
      i += 2;
    } else {
      out[o] = tok;
      i++;
    }
  }
  return out.join('');
}

const reverse = (s: string): string => Array.from(s).reverse().join('');

export function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  // A regular expression cannot find the shortest rightmost match: reverse both and trim a prefix.
  return reverse(trimPrefix(reversePattern(pattern), reverse(value), greedy));
}
