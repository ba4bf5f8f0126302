/** Number, size, time and duration formatting (locale-aware where it matters). */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

export function bytes(n: number | undefined, digits = 1): string {
  if (n === undefined || !Number.isFinite(n)) return '—';
  let v = Math.abs(n);
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${n < 0 ? '-' : ''}${v.toFixed(u === 0 ? 0 : digits)} ${UNITS[u]}`;
}

export function percent(n: number | undefined, digits = 1): string {
  return n === undefined || !Number.isFinite(n) ? '—' : `${n.toFixed(digits)} %`;
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

// Intl formatters are costly to build: one each, reused (a table of 1,000 rows formats a lot).
let rtfCache: Intl.RelativeTimeFormat | undefined;
let dtfCache: Intl.DateTimeFormat | undefined;

/** "3 minutes ago" from unix seconds or an ISO string. */
export function ago(when: number | string | undefined, now = Date.now()): string {
  if (when === undefined || when === '') return '—';
  const ms = typeof when === 'number' ? when * 1000 : Date.parse(when);
  if (!Number.isFinite(ms) || ms <= 0) return '—';
  const s = Math.round((ms - now) / 1000);
  const rtf = (rtfCache ??= new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }));
  const abs = Math.abs(s);
  if (abs < 60) return rtf.format(s, 'second');
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  if (abs < 86400 * 30) return rtf.format(Math.round(s / 86400), 'day');
  if (abs < 86400 * 365) return rtf.format(Math.round(s / (86400 * 30)), 'month');
  return rtf.format(Math.round(s / (86400 * 365)), 'year');
}

export function dateTime(when: number | string | undefined): string {
  if (when === undefined || when === '') return '—';
  const ms = typeof when === 'number' ? when * 1000 : Date.parse(when);
  if (!Number.isFinite(ms) || ms <= 0) return '—';
  dtfCache ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  return dtfCache.format(ms);
}

export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}
