/** Docker's filter semantics for GET /networks and POST /networks/prune. */
import { InvalidArgument } from '../../../errdefs';
import { checkFilterKeys, type Filters } from '../../query';
import type { NetworkListEntry, PruneCriteria } from './backend';

/** args.Match: the value is an unanchored regular expression (a plain substring in practice). */
function matches(pattern: string, source: string): boolean {
  try {
    return new RegExp(pattern).test(source);
  } catch {
    return source.includes(pattern);
  }
}

/** "key" or "key=value" against a label map. */
export function labelMatches(labels: Record<string, string>, want: string): boolean {
  const eq = want.indexOf('=');
  if (eq < 0) return Object.hasOwn(labels, want);
  return labels[want.slice(0, eq)] === want.slice(eq + 1);
}

function boolFilter(values: string[], key: string): boolean {
  const v = values[0]?.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new InvalidArgument(`invalid filter '${key}=${values[0]}'`);
}

export function filterNetworks(all: NetworkListEntry[], filters: Filters): NetworkListEntry[] {
  checkFilterKeys(filters, ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type']);
  const types = filters.get('type') ?? [];
  for (const t of types)
    if (t !== 'custom' && t !== 'builtin') throw new InvalidArgument(`invalid filter: 'type'='${t}'`);
  const dangling = filters.has('dangling') ? boolFilter(filters.get('dangling')!, 'dangling') : undefined;
  return all.filter(({ network: n, builtin }) => {
    const any = (key: string, test: (v: string) => boolean): boolean => {
      const vals = filters.get(key);
      return !vals || vals.length === 0 || vals.some(test);
    };
    if (!any('name', (v) => matches(v, n.Name))) return false;
    if (!any('id', (v) => matches(v, n.Id))) return false;
    if (!any('driver', (v) => v === n.Driver)) return false;
    if (!any('scope', (v) => v === n.Scope)) return false;
    if (!any('type', (v) => (v === 'builtin') === builtin)) return false;
    const labels = filters.get('label') ?? [];
    if (!labels.every((l) => labelMatches(n.Labels, l))) return false;
    if (dangling !== undefined) {
      const unused = Object.keys(n.Containers).length === 0 && !builtin;
      if (dangling !== unused) return false;
    }
    return true;
  });
}

/** `until`: a Unix timestamp, an RFC 3339 date, or a Go duration ("24h", "90m") before now. */
export function parseUntil(v: string, now = Date.now()): Date {
  if (/^\d+(\.\d+)?$/.test(v)) return new Date(Number(v) * 1000);
  const dur = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/.exec(v);
  if (dur) {
    const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
    return new Date(now - Number(dur[1]) * unit[dur[2]!]!);
  }
  const d = new Date(v);
  if (Number.isNaN(d.getTime()))
    throw new InvalidArgument(`invalid filter 'until=${v}': want a timestamp, a date or a duration`);
  return d;
}

export function pruneCriteria(filters: Filters): PruneCriteria {
  checkFilterKeys(filters, ['until', 'label', 'label!']);
  const until = filters.get('until')?.[0];
  return {
    until: until !== undefined ? parseUntil(until) : undefined,
    labels: filters.get('label') ?? [],
    notLabels: filters.get('label!') ?? [],
  };
}
