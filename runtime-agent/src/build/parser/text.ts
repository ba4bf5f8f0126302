/** Small string helpers with Go's white-space rules (the parser is specified in terms of them). */
import { isGoSpace } from '../shell-lexer';

export function trimLeftSpace(s: string): string {
  let i = 0;
  while (i < s.length && isGoSpace(s[i] as string)) i++;
  return s.slice(i);
}

export function trimRightSpace(s: string): string {
  let i = s.length;
  while (i > 0 && isGoSpace(s[i - 1] as string)) i--;
  return s.slice(0, i);
}

export function trimSpace(s: string): string {
  return trimRightSpace(trimLeftSpace(s));
}

/** The parser's `[\t\v\f\r ]+` separator (no newline). */
export const reWhitespace = /[\t\v\f\r ]+/;

/** Go's regexp.Split(s, n) for n = -1 (all) or n = 2 (first separator only). */
export function splitWhitespace(s: string, n: -1 | 2): string[] {
  if (n === -1) return s.split(new RegExp(reWhitespace.source, 'g'));
  const m = reWhitespace.exec(s);
  if (!m) return [s];
  return [s.slice(0, m.index), s.slice(m.index + m[0].length)];
}

/** Physical lines with their line endings kept (the last one may have none). */
export function splitLinesKeepEnds(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const i = text.indexOf('\n', start);
    if (i < 0) break;
    out.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** Strips any trailing CR and LF characters. */
export function trimNewline(s: string): string {
  let i = s.length;
  while (i > 0 && (s[i - 1] === '\n' || s[i - 1] === '\r')) i--;
  return s.slice(0, i);
}

export function isCommentLine(line: string): boolean {
  return trimLeftSpace(line).startsWith('#');
}
