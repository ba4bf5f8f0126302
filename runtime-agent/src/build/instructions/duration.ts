/** Go's time.ParseDuration, in nanoseconds (HEALTHCHECK intervals use Go durations). */

const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

export function parseGoDuration(input: string): number {
  const fail = (): never => {
    throw new Error(`time: invalid duration ${JSON.stringify(input)}`);
  };
  let s = input;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') fail();
  let total = 0;
  const re = /^(\d*)(?:\.(\d*))?([^\d.]+)/;
  while (s.length > 0) {
    const m = re.exec(s);
    if (!m) return fail();
    const [all, int = '', frac = '', unitName = ''] = m;
    if (int === '' && frac === '') fail();
    const unit = UNITS[unitName];
    if (unit === undefined) {
      throw new Error(`time: unknown unit ${JSON.stringify(unitName)} in duration ${JSON.stringify(input)}`);
    }
    total += Number(int || '0') * unit + (frac ? Number(`0.${frac}`) * unit : 0);
    s = s.slice(all.length);
  }
  return sign * Math.round(total);
}
