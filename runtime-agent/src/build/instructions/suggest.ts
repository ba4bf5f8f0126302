/** "did you mean …?" hints for unknown instructions, flags and keys, as Docker gives them. */

export function levenshtein(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  let prev = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    prev = cur;
  }
  return prev[y.length] as number;
}

/** The closest option within distance 2, in the case of the value when matching case-insensitively. */
export function suggest(value: string, options: readonly string[], caseSensitive: boolean): string | undefined {
  const v = caseSensitive ? value : value.toLowerCase();
  let best: string | undefined;
  let min = 3;
  for (const opt of options) {
    const o = caseSensitive ? opt : opt.toLowerCase();
    if (o === v) return undefined;
    const d = levenshtein(v, o);
    if (d < min) {
      min = d;
      best = caseSensitive ? o : matchCase(o, value);
    }
  }
  return best;
}

function matchCase(val: string, orig: string): string {
  if (orig === orig.toLowerCase()) return val.toLowerCase();
  if (orig === orig.toUpperCase()) return val.toUpperCase();
  return val;
}

export function withSuggestion(
  message: string,
  value: string,
  options: readonly string[],
  caseSensitive: boolean,
): string {
  const s = suggest(value, options, caseSensitive);
  return s === undefined ? message : `${message} (did you mean ${s}?)`;
}
