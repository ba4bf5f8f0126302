/**
 * Structured logging in logfmt, the shape dockerd (logrus) prints:
 *   time="2026-01-02T03:04:05.678Z" level=info msg="API listening" socket=/run/berth.sock
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, fatal: 50 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  fatal(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
  enabled(level: LogLevel): boolean;
}

export function isLogLevel(s: string): s is LogLevel {
  return Object.hasOwn(LEVELS, s);
}

function quote(v: string): string {
  if (v !== '' && /^[A-Za-z0-9_./:@+,-]+$/.test(v)) return v;
  return JSON.stringify(v);
}

function formatValue(v: unknown): string {
  if (v instanceof Error) return quote(v.message);
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === undefined || v === null) return '""';
  return quote(JSON.stringify(v));
}

export function formatLine(level: LogLevel, msg: string, fields: LogFields, now = new Date()): string {
  let line = `time="${now.toISOString()}" level=${level} msg=${JSON.stringify(msg)}`;
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    line += ` ${k}=${formatValue(v)}`;
  }
  return line;
}

export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
  base: LogFields = {},
): Logger {
  const min = LEVELS[level];
  const log = (lvl: LogLevel, msg: string, fields?: LogFields): void => {
    if (LEVELS[lvl] < min) return;
    write(formatLine(lvl, msg, { ...base, ...fields }));
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    fatal: (m, f) => log('fatal', m, f),
    child: (fields) => createLogger(level, write, { ...base, ...fields }),
    enabled: (lvl) => LEVELS[lvl] >= min,
  };
}

/** A logger that drops everything: for tests and library use. */
export const nullLogger: Logger = createLogger('fatal', () => undefined);
