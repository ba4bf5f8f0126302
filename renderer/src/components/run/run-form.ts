/**
 * The Run dialog's form: what the user types (strings), checked and turned into the contract's
 * RunSpec. Error keys are RunSpec paths without "spec." ("ports.0.hostPort", "limits.memoryBytes"),
 * the same keys the agent's typed errors carry, so both land on the same field.
 */
import type { HealthcheckSpec, PortProtocol, RestartPolicyName, RunSpec, VolumeSpec } from '@contract';
import { t } from '@/i18n';
import { parseDuration, parseSize, splitCommand } from '@/util/parse';

export interface PortRow {
  hostIp: string;
  hostPort: string;
  containerPort: string;
  protocol: PortProtocol;
}
export interface VolumeRow {
  type: VolumeSpec['type'];
  source: string;
  target: string;
  readOnly: boolean;
  size: string;
}
export interface EnvRow {
  name: string;
  value: string;
}

export interface RunForm {
  image: string;
  name: string;
  cmd: string;
  entrypoint: string;
  workingDir: string;
  user: string;
  hostname: string;
  env: EnvRow[];
  ports: PortRow[];
  publishAll: boolean;
  volumes: VolumeRow[];
  network: string;
  aliases: string;
  memory: string;
  cpus: string;
  pids: string;
  restart: RestartPolicyName;
  maxRetries: string;
  health: { enabled: boolean; cmd: string; interval: string; timeout: string; retries: string; startPeriod: string };
  autoRemove: boolean;
  tty: boolean;
  interactive: boolean;
  privileged: boolean;
}

export type FormErrors = Record<string, string>;

export function emptyForm(preset: Partial<RunSpec> = {}): RunForm {
  return {
    image: preset.image ?? '',
    name: preset.name ?? '',
    cmd: preset.cmd ? preset.cmd.map(quote).join(' ') : '',
    entrypoint: preset.entrypoint ? preset.entrypoint.map(quote).join(' ') : '',
    workingDir: '',
    user: '',
    hostname: '',
    env: [],
    ports: [],
    publishAll: false,
    volumes: [],
    network: '',
    aliases: '',
    memory: '',
    cpus: '',
    pids: '',
    restart: 'no',
    maxRetries: '',
    health: { enabled: false, cmd: '', interval: '30s', timeout: '30s', retries: '3', startPeriod: '0s' },
    autoRemove: false,
    tty: false,
    interactive: false,
    privileged: false,
  };
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const IMAGE_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+|[:/@])*[A-Za-z0-9._:/@-]*$/i;
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ENV_NAME_RE = /^[^=\s]+$/;

function intIn(text: string, min: number, max: number, key: string, errors: FormErrors): number | undefined {
  const s = text.trim();
  if (!s) return undefined;
  if (!/^-?\d+$/.test(s)) {
    errors[key] = t('errors.notInteger');
    return undefined;
  }
  const n = Number(s);
  if (n < min || n > max) {
    errors[key] = t('errors.range', { min, max });
    return undefined;
  }
  return n;
}

function words(text: string, key: string, errors: FormErrors): string[] | undefined {
  if (!text.trim()) return undefined;
  try {
    return splitCommand(text);
  } catch (e) {
    errors[key] = (e as Error).message;
    return undefined;
  }
}

function durationMs(text: string, key: string, errors: FormErrors): number | undefined {
  if (!text.trim()) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) errors[key] = t('errors.duration');
  return ms;
}

function portsOf(f: RunForm, errors: FormErrors): RunSpec['ports'] {
  const seen = new Set<string>();
  const out = f.ports.flatMap((p, i) => {
    if (!p.containerPort.trim() && !p.hostPort.trim()) return [];
    const cp = intIn(p.containerPort, 1, 65535, `ports.${i}.containerPort`, errors);
    if (!p.containerPort.trim()) errors[`ports.${i}.containerPort`] = t('errors.required');
    const hp = intIn(p.hostPort, 0, 65535, `ports.${i}.hostPort`, errors);
    if (hp) {
      const k = `${p.hostIp}:${hp}/${p.protocol}`;
      if (seen.has(k)) errors[`ports.${i}.hostPort`] = t('errors.duplicate');
      seen.add(k);
    }
    if (cp === undefined) return [];
    return [
      {
        containerPort: cp,
        protocol: p.protocol,
        ...(hp ? { hostPort: hp } : {}),
        ...(p.hostIp.trim() ? { hostIp: p.hostIp.trim() } : {}),
      },
    ];
  });
  return out.length ? out : undefined;
}

function volumesOf(f: RunForm, errors: FormErrors): VolumeSpec[] | undefined {
  const out = f.volumes.flatMap((v, i): VolumeSpec[] => {
    const target = v.target.trim();
    if (!target && !v.source.trim()) return [];
    if (!target.startsWith('/'))
      errors[`volumes.${i}.target`] = target ? t('errors.absolutePath') : t('errors.required');
    if (v.type === 'bind') {
      if (!v.source.trim().startsWith('/'))
        errors[`volumes.${i}.source`] = v.source.trim() ? t('errors.absolutePath') : t('errors.required');
      return [{ type: 'bind', source: v.source.trim(), target, readOnly: v.readOnly }];
    }
    if (v.type === 'volume')
      return [
        { type: 'volume', ...(v.source.trim() ? { source: v.source.trim() } : {}), target, readOnly: v.readOnly },
      ];
    const size = v.size.trim() ? parseSize(v.size) : undefined;
    if (v.size.trim() && size === undefined) errors[`volumes.${i}.sizeBytes`] = t('errors.size');
    return [{ type: 'tmpfs', target, ...(size ? { sizeBytes: size } : {}) }];
  });
  return out.length ? out : undefined;
}

function healthOf(f: RunForm, errors: FormErrors): HealthcheckSpec | undefined {
  if (!f.health.enabled) return undefined;
  if (!f.health.cmd.trim()) errors['healthcheck.test'] = t('errors.required');
  const h: HealthcheckSpec = { test: ['CMD-SHELL', f.health.cmd.trim()] };
  const interval = durationMs(f.health.interval, 'healthcheck.intervalMs', errors);
  const timeout = durationMs(f.health.timeout, 'healthcheck.timeoutMs', errors);
  const start = durationMs(f.health.startPeriod, 'healthcheck.startPeriodMs', errors);
  const retries = intIn(f.health.retries, 0, 1000, 'healthcheck.retries', errors);
  if (interval) h.intervalMs = interval;
  if (timeout) h.timeoutMs = timeout;
  if (start) h.startPeriodMs = start;
  if (retries !== undefined) h.retries = retries;
  return h;
}

/** Checks the form; answers the spec when it is valid, and every error keyed by its field. */
export function toRunSpec(f: RunForm): { spec?: RunSpec; errors: FormErrors } {
  const errors: FormErrors = {};
  const image = f.image.trim();
  if (!image) errors.image = t('errors.required');
  else if (!IMAGE_RE.test(image) || /\s/.test(image)) errors.image = t('errors.imageRef');
  const name = f.name.trim();
  if (name && !NAME_RE.test(name)) errors.name = t('errors.containerName');

  const spec: RunSpec = { image };
  if (name) spec.name = name;
  const cmd = words(f.cmd, 'cmd', errors);
  if (cmd?.length) spec.cmd = cmd;
  const ep = words(f.entrypoint, 'entrypoint', errors);
  if (ep?.length) spec.entrypoint = ep;
  if (f.workingDir.trim()) {
    if (!f.workingDir.trim().startsWith('/')) errors.workingDir = t('errors.absolutePath');
    spec.workingDir = f.workingDir.trim();
  }
  if (f.user.trim()) spec.user = f.user.trim();
  if (f.hostname.trim()) spec.hostname = f.hostname.trim();

  const env = f.env.flatMap((e, i) => {
    if (!e.name.trim() && !e.value) return [];
    if (!ENV_NAME_RE.test(e.name.trim()))
      errors[`env.${i}.name`] = e.name.trim() ? t('errors.envName') : t('errors.required');
    return [{ name: e.name.trim(), value: e.value }];
  });
  if (env.length) spec.env = env;

  const ports = portsOf(f, errors);
  if (ports) spec.ports = ports;
  if (f.publishAll) spec.publishAll = true;
  const volumes = volumesOf(f, errors);
  if (volumes) spec.volumes = volumes;
  if (f.network) spec.network = f.network;
  const aliases = f.aliases.split(/[\s,]+/).filter(Boolean);
  if (aliases.length) spec.networkAliases = aliases;

  const limits: NonNullable<RunSpec['limits']> = {};
  if (f.memory.trim()) {
    const m = parseSize(f.memory);
    if (m === undefined) errors['limits.memoryBytes'] = t('errors.size');
    else if (m < 6 * 1024 * 1024) errors['limits.memoryBytes'] = t('errors.range', { min: '6m', max: '∞' });
    else limits.memoryBytes = m;
  }
  if (f.cpus.trim()) {
    const c = Number(f.cpus.trim());
    if (!Number.isFinite(c)) errors['limits.cpus'] = t('errors.notNumber');
    else if (c <= 0 || c > 1024) errors['limits.cpus'] = t('errors.range', { min: 0.01, max: 1024 });
    else limits.cpus = c;
  }
  const pids = intIn(f.pids, -1, 4_194_304, 'limits.pids', errors);
  if (pids !== undefined && pids !== 0) limits.pids = pids;
  if (Object.keys(limits).length) spec.limits = limits;

  if (f.restart !== 'no') {
    spec.restartPolicy = { name: f.restart };
    if (f.restart === 'on-failure') {
      const n = intIn(f.maxRetries, 0, 1000, 'restartPolicy.maximumRetryCount', errors);
      if (n !== undefined) spec.restartPolicy.maximumRetryCount = n;
    }
    if (f.autoRemove) errors.restartPolicy = t('run.autoRemoveConflict');
  }
  const health = healthOf(f, errors);
  if (health) spec.healthcheck = health;
  if (f.autoRemove) spec.autoRemove = true;
  if (f.tty) spec.tty = true;
  if (f.interactive) spec.interactive = true;
  if (f.privileged) spec.privileged = true;

  return Object.keys(errors).length ? { errors } : { spec, errors };
}
