/** Variable lookups for the shell lexer. */

/** Variables visible to the lexer. `undefined` means unset (different from empty for `${x-y}`). */
export interface EnvLookup {
  get(name: string): string | undefined;
}

export function envFromMap(map: ReadonlyMap<string, string> | Record<string, string>): EnvLookup {
  if (map instanceof Map) return { get: (k) => map.get(k) };
  const rec = map as Record<string, string>;
  return { get: (k) => (Object.prototype.hasOwnProperty.call(rec, k) ? rec[k] : undefined) };
}

/** `KEY=value` list (image config Env) as a lookup; the last definition of a key wins. */
export function envFromList(list: readonly string[]): EnvLookup {
  const m = new Map<string, string>();
  for (const e of list) {
    const i = e.indexOf('=');
    if (i < 0) m.set(e, '');
    else m.set(e.slice(0, i), e.slice(i + 1));
  }
  return envFromMap(m);
}

export const EMPTY_ENV: EnvLookup = { get: () => undefined };
