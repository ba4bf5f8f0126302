/**
 * `--change` instructions for import and commit, as dockerd accepts them: CMD, ENTRYPOINT, ENV,
 * EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR. JSON (exec) form or shell form.
 */
import { InvalidArgument } from '../errdefs';
import type { ContainerConfig } from './image-config';

const ALLOWED = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'];

/** Split shell-like words: quotes group, backslash escapes. */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let any = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      any = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      any = true;
    } else if (/\s/.test(c)) {
      if (cur || any) out.push(cur);
      cur = '';
      any = false;
    } else cur += c;
  }
  if (quote) throw new InvalidArgument(`unterminated quote in "${s}"`);
  if (cur || any) out.push(cur);
  return out;
}

function jsonArray(rest: string): string[] | undefined {
  const t = rest.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v = JSON.parse(t) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    /* shell form */
  }
  return undefined;
}

function keyValues(rest: string, what: string): Array<[string, string]> {
  const words = splitWords(rest);
  if (words.length === 0) throw new InvalidArgument(`${what} needs at least one argument`);
  if (!words[0]!.includes('=')) {
    // Legacy form: KEY value with spaces
    const [k, ...v] = rest.trim().split(/\s+/);
    return [[k!, v.join(' ')]];
  }
  return words.map((w) => {
    const i = w.indexOf('=');
    if (i <= 0) throw new InvalidArgument(`${what}: "${w}" is not KEY=VALUE`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}

export function applyChanges(base: ContainerConfig, changes: readonly string[]): ContainerConfig {
  const c: ContainerConfig = { ...base };
  for (const line of changes) {
    const m = /^\s*(\w+)\s*(.*)$/s.exec(line);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    const rest = m[2]!;
    if (!ALLOWED.includes(op)) throw new InvalidArgument(`${op} is not a valid change command`);
    switch (op) {
      case 'CMD':
      case 'ENTRYPOINT': {
        const args = jsonArray(rest) ?? ['/bin/sh', '-c', rest.trim()];
        if (op === 'CMD') c.Cmd = args;
        else {
          c.Entrypoint = args;
          c.Cmd = jsonArray(rest) || rest.trim() === '' ? c.Cmd : null;
        }
        break;
      }
      case 'ENV': {
        const env = [...(c.Env ?? [])];
        for (const [k, v] of keyValues(rest, 'ENV')) {
          const i = env.findIndex((e) => e.split('=')[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        c.Env = env;
        break;
      }
      case 'LABEL':
        c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(keyValues(rest, 'LABEL')) };
        break;
      case 'EXPOSE': {
        const ports = { ...(c.ExposedPorts ?? {}) };
        for (const p of splitWords(rest)) {
          if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw new InvalidArgument(`invalid port "${p}" in EXPOSE`);
          ports[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {};
        }
        c.ExposedPorts = ports;
        break;
      }
      case 'VOLUME': {
        const vols = { ...(c.Volumes ?? {}) };
        for (const v of jsonArray(rest) ?? splitWords(rest)) vols[v] = {};
        c.Volumes = vols;
        break;
      }
      case 'ONBUILD':
        c.OnBuild = [...(c.OnBuild ?? []), rest.trim()];
        break;
      case 'STOPSIGNAL':
        c.StopSignal = rest.trim();
        break;
      case 'USER':
        c.User = rest.trim();
        break;
      case 'WORKDIR': {
        const w = rest.trim();
        c.WorkingDir = w.startsWith('/') ? w : `${c.WorkingDir ?? '/'}/${w}`.replace(/\/+/g, '/');
        break;
      }
    }
  }
  return c;
}
