/**
 * `RUN --mount=type=…,target=…` specs, validated like BuildKit's Dockerfile frontend. Without an
 * expander (parse time) only what does not depend on variables is checked; the full spec is parsed
 * after expansion, when the step is planned.
 */
import { withSuggestion } from './suggest';
import type { MountType, RunMount, ShareMode } from './types';

const MOUNT_TYPES: readonly MountType[] = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'];
const SHARE_MODES: readonly ShareMode[] = ['shared', 'private', 'locked'];
const ALL_KEYS = [
  'type',
  'from',
  'source',
  'target',
  'readonly',
  'id',
  'sharing',
  'required',
  'size',
  'mode',
  'uid',
  'gid',
  'src',
  'dst',
  'destination',
  'ro',
  'rw',
  'readwrite',
  'env',
];

/** encoding/csv fields of one record: commas separate, `"…"` quotes (with `""` for a quote). */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error('failed to parse csv mounts: extraneous or missing " in quoted-field');
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') throw new Error('failed to parse csv mounts: extraneous " in field');
    } else {
      while (i < line.length && line[i] !== ',') {
        if (line[i] === '"') throw new Error('failed to parse csv mounts: bare " in non-quoted-field');
        field += line[i++];
      }
    }
    out.push(field);
    if (i >= line.length) return out;
    i++; // the comma
  }
}

/** docker/go-units RAMInBytes: `64m`, `1g`, `512kb` (binary multiples). */
export function ramInBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(s.trim());
  if (!m) throw new Error(`invalid size: '${s}'`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[
    (m[2] as string).toLowerCase() as '' | 'k' | 'm' | 'g' | 't' | 'p'
  ];
  return Math.floor(Number(m[1]) * mult);
}

function parseBool(key: string, value: string): boolean {
  const v = value.toLowerCase();
  if (['1', 't', 'true'].includes(v)) return true;
  if (['0', 'f', 'false'].includes(v)) return false;
  throw new Error(`invalid value for ${key}: ${value}`);
}

function parseUint(key: string, value: string, radix: 8 | 10): number {
  const ok = radix === 8 ? /^[0-7]+$/.test(value) : /^\d+$/.test(value);
  const n = ok ? Number.parseInt(value, radix) : NaN;
  if (!Number.isFinite(n) || n > 0xffffffff) throw new Error(`invalid value ${value} for ${key}`);
  return n;
}

export function parseRunMount(spec: string, expand?: (word: string) => string): RunMount {
  const m: RunMount = { type: 'bind', readOnly: false, required: false };
  let roAuto = true;
  for (const field of csvFields(spec)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    let value = eq < 0 ? '' : field.slice(eq + 1);
    if (eq < 0) {
      if (!expand) continue;
      if (key === 'readonly' || key === 'ro') {
        m.readOnly = true;
        roAuto = false;
      } else if (key === 'readwrite' || key === 'rw') {
        m.readOnly = false;
        roAuto = false;
      } else if (key === 'required') {
        if (m.type !== 'secret' && m.type !== 'ssh')
          throw new Error(`unexpected key '${key}' for mount type '${m.type}'`);
        m.required = true;
      } else {
        throw new Error(`invalid field '${field}' must be a key=value pair`);
      }
      continue;
    }
    if (expand) {
      value = expand(value);
    } else {
      if (key === 'from') {
        const i = value.indexOf('$');
        if (i !== -1 && i !== value.length - 1) {
          throw new Error(`'${key}' doesn't support variable expansion, define alias stage instead`);
        }
      }
      continue;
    }
    applyField(m, key, value, field);
    if (['readonly', 'ro', 'readwrite', 'rw'].includes(key)) roAuto = false;
  }
  return finishMount(m, roAuto);
}

function applyField(m: RunMount, key: string, value: string, field: string): void {
  switch (key) {
    case 'type': {
      const t = value.toLowerCase() as MountType;
      if (!MOUNT_TYPES.includes(t)) {
        throw new Error(withSuggestion(`unsupported mount type "${value}"`, value, MOUNT_TYPES, true));
      }
      m.type = t;
      return;
    }
    case 'from':
      m.from = value;
      return;
    case 'source':
    case 'src':
      m.source = value;
      return;
    case 'target':
    case 'dst':
    case 'destination':
      m.target = value;
      return;
    case 'readonly':
    case 'ro':
      m.readOnly = parseBool(key, value);
      return;
    case 'readwrite':
    case 'rw':
      m.readOnly = !parseBool(key, value);
      return;
    case 'required':
      if (m.type !== 'secret' && m.type !== 'ssh')
        throw new Error(`unexpected key '${key}' for mount type '${m.type}'`);
      m.required = parseBool(key, value);
      return;
    case 'size':
      if (m.type !== 'tmpfs') throw new Error(`unexpected key '${key}' for mount type '${m.type}'`);
      try {
        m.sizeLimit = ramInBytes(value);
      } catch {
        throw new Error(`invalid value for ${key}: ${value}`);
      }
      return;
    case 'id':
      m.cacheId = value;
      return;
    case 'sharing': {
      const s = value.toLowerCase() as ShareMode;
      if (!SHARE_MODES.includes(s)) {
        throw new Error(withSuggestion(`unsupported sharing value "${value}"`, value, SHARE_MODES, true));
      }
      m.sharing = s;
      return;
    }
    case 'mode':
      m.mode = parseUint('mode', value, 8);
      return;
    case 'uid':
      m.uid = parseUint('uid', value, 10);
      return;
    case 'gid':
      m.gid = parseUint('gid', value, 10);
      return;
    case 'env':
      m.env = value;
      return;
    default:
      throw new Error(withSuggestion(`unexpected key '${key}' in '${field}'`, key, ALL_KEYS, true));
  }
}

function finishMount(m: RunMount, roAuto: boolean): RunMount {
  const fileInfoAllowed = m.type === 'secret' || m.type === 'ssh' || m.type === 'cache';
  if (!fileInfoAllowed) {
    for (const k of ['mode', 'uid', 'gid'] as const) {
      if (m[k] !== undefined) throw new Error(`${k} not allowed for "${m.type}" type mounts`);
    }
  }
  if (roAuto) m.readOnly = !(m.type === 'cache' || m.type === 'tmpfs');
  if (m.type === 'secret') {
    if (m.from !== undefined) throw new Error('secret mount should not have a from');
    if (m.sharing !== undefined) throw new Error('secret mount should not define sharing');
    if (!m.source && !m.target && !m.cacheId) throw new Error('invalid secret mount. one of source, target required');
    if (m.source && m.cacheId) throw new Error("both source and id can't be set");
  }
  if (m.sharing !== undefined && m.type !== 'cache') throw new Error(`invalid cache sharing set for ${m.type} mount`);
  return m;
}
