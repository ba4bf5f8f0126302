/**
 * Query-string helpers with moby's semantics: booleans like BoolValue ("", "0", "no", "false",
 * "none" are false; anything else true — dockerode sends true/false, the CLI 1/0), and filters
 * in either encoding: map form {"status":{"running":true}} (CLI) or array form {"status":["running"]}
 * (dockerode).
 */
import { InvalidArgument } from '../errdefs';

const FALSE_VALUES = new Set(['', '0', 'no', 'false', 'none']);

export type Filters = Map<string, string[]>;

export class Query {
  constructor(readonly params: URLSearchParams) {}

  has(name: string): boolean {
    return this.params.has(name);
  }

  str(name: string): string | undefined {
    const v = this.params.get(name);
    return v === null ? undefined : v;
  }

  all(name: string): string[] {
    return this.params.getAll(name);
  }

  bool(name: string, dflt = false): boolean {
    const v = this.params.get(name);
    if (v === null) return dflt;
    return !FALSE_VALUES.has(v.trim().toLowerCase());
  }

  int(name: string): number | undefined {
    const v = this.params.get(name);
    if (v === null || v === '') return undefined;
    if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgument(`invalid value for ${name}: "${v}" is not an integer`);
    return Number.parseInt(v, 10);
  }

  filters(name = 'filters'): Filters {
    return parseFilters(this.params.get(name));
  }
}

export function parseFilters(raw: string | null | undefined): Filters {
  const out: Filters = new Map();
  if (!raw) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidArgument(`invalid filter: ${raw} is not valid JSON`);
  }
  if (parsed === null) return out;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidArgument(`invalid filter: ${raw}`);
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    let values: string[];
    if (Array.isArray(value)) values = value.map(String);
    else if (value && typeof value === 'object') {
      values = Object.entries(value as Record<string, unknown>)
        .filter(([, on]) => on !== false)
        .map(([k]) => k);
    } else if (typeof value === 'string') values = [value];
    else throw new InvalidArgument(`invalid filter value for "${key}"`);
    out.set(key, values);
  }
  return out;
}

/** Reject filter keys a handler does not know, as dockerd does ("invalid filter 'x'"). */
export function checkFilterKeys(filters: Filters, allowed: readonly string[]): void {
  for (const key of filters.keys()) {
    if (!allowed.includes(key)) throw new InvalidArgument(`invalid filter '${key}'`);
  }
}
