/**
 * Image filters as dockerd applies them: dangling, reference (Go path.Match globs on the familiar
 * "name:tag" or the name alone), label (key or key=value; label! negates), before/since (another
 * image's creation time), until (timestamps or durations, for prune).
 */
import { InvalidArgument } from '../errdefs';
import { familiarName, familiarString, type Reference } from './reference';

/** Go's path.Match as a RegExp: * and ? do not cross "/", [...] classes, \ escapes. */
export function globToRegExp(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += '\\' + pattern[++i];
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new InvalidArgument(`invalid reference filter pattern "${pattern}": unclosed [`);
      let cls = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
      if (cls.startsWith('^')) cls = '\\^' + cls.slice(1);
      if (cls.startsWith('!')) cls = '^' + cls.slice(1);
      re += `[${cls}]`;
      i = end;
    } else re += c.replace(/[.+^$(){}|]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

/** Tags of an image matched by any of the reference patterns (moby's FamiliarMatch). */
export function matchReferences(patterns: string[], refs: Reference[]): Reference[] {
  const res = patterns.map(globToRegExp);
  return refs.filter((r) => res.some((re) => re.test(familiarString(r)) || re.test(familiarName(r))));
}

/** "key" or "key=value" against labels. */
export function labelMatches(filter: string, labels: Record<string, string> | null | undefined): boolean {
  const l = labels ?? {};
  const eq = filter.indexOf('=');
  if (eq < 0) return Object.prototype.hasOwnProperty.call(l, filter);
  return l[filter.slice(0, eq)] === filter.slice(eq + 1);
}

const DURATION = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** until=: a Unix timestamp (seconds, fractions allowed), an RFC 3339 date or a Go duration ("24h", "1h30m"). */
export function parseUntil(value: string, now = Date.now()): number {
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  let rest = v;
  let total = 0;
  let matched = false;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) break;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    rest = rest.slice(m[0].length);
    matched = true;
  }
  if (matched && rest === '') return now - total;
  const t = Date.parse(v);
  if (Number.isFinite(t)) return t;
  if (DURATION.test(v)) return now;
  throw new InvalidArgument(`invalid value for "until": "${value}" is not a timestamp or duration`);
}
