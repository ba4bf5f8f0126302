/**
 * The image configuration a build evolves, in Docker's JSON shape (the `config` object of an image
 * config), plus the history text Docker records for each step.
 */

export interface HealthcheckConfig {
  Test?: string[];
  /** Nanoseconds. */
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export interface ImageConfig {
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env?: string[];
  Cmd?: string[] | null;
  Healthcheck?: HealthcheckConfig;
  Volumes?: Record<string, Record<string, never>>;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  OnBuild?: string[] | null;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Shell?: string[];
}

export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function cloneConfig(c: ImageConfig | undefined): ImageConfig {
  return c ? (structuredClone(c) as ImageConfig) : {};
}

export function shellOf(c: ImageConfig): string[] {
  return c.Shell && c.Shell.length > 0 ? [...c.Shell] : [...DEFAULT_SHELL];
}

export function envKey(entry: string): string {
  const i = entry.indexOf('=');
  return i < 0 ? entry : entry.slice(0, i);
}

/** Sets or replaces `key` in a `KEY=value` list, keeping its position. */
export function setEnv(env: string[], key: string, value: string): string[] {
  const out = [...env];
  const i = out.findIndex((e) => envKey(e) === key);
  if (i >= 0) out[i] = `${key}=${value}`;
  else out.push(`${key}=${value}`);
  return out;
}

/** Docker adds the default PATH when a base image (or scratch) has none. */
export function withDefaultPath(c: ImageConfig): ImageConfig {
  const env = c.Env ?? [];
  if (env.some((e) => envKey(e) === 'PATH')) return c;
  return { ...c, Env: [...env, `PATH=${DEFAULT_PATH}`] };
}

/** Go's %q for a string (strconv.Quote). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** Go's %q for a []string: `["a" "b"]`. */
export function goQuoteList(list: readonly string[] | null | undefined): string {
  return '[' + (list ?? []).map(goQuote).join(' ') + ']';
}

/** Go's %v for a []string: `[a b]`. */
export function goList(list: readonly string[]): string {
  return '[' + list.join(' ') + ']';
}

/** Go's time.Duration.String() for nanoseconds. */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let n = Math.abs(ns);
  let out: string;
  if (n < 1e3) out = `${n}ns`;
  else if (n < 1e6) out = `${trimFloat(n / 1e3)}µs`;
  else if (n < 1e9) out = `${trimFloat(n / 1e6)}ms`;
  else {
    const h = Math.floor(n / 3600e9);
    n -= h * 3600e9;
    const m = Math.floor(n / 60e9);
    n -= m * 60e9;
    const s = `${trimFloat(n / 1e9)}s`;
    out = h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s;
  }
  return neg ? '-' + out : out;
}

function trimFloat(x: number): string {
  return String(Number(x.toFixed(9)));
}

/** Go's %+v of the healthcheck struct, as Docker writes it into the history. */
export function healthcheckText(h: HealthcheckConfig): string {
  return (
    `&{Test:${goList(h.Test ?? [])} Interval:${goDuration(h.Interval ?? 0)} Timeout:${goDuration(h.Timeout ?? 0)} ` +
    `StartPeriod:${goDuration(h.StartPeriod ?? 0)} StartInterval:${goDuration(h.StartInterval ?? 0)} ` +
    `Retries:${h.Retries ?? 0}}`
  );
}

/**
 * The history `created_by` of a metadata step: Docker runs `<shell> #(nop) <comment>` (two words;
 * WORKDIR, COPY and ADD use a single word, hence one space less).
 */
export function nopCreatedBy(config: ImageConfig, comment: string, singleWord: boolean): string {
  const parts = singleWord ? [...shellOf(config), `#(nop) ${comment}`] : [...shellOf(config), '#(nop) ', comment];
  return parts.join(' ');
}
