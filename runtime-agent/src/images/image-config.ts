/**
 * The image configuration (OCI image config / Docker image JSON): what a container of the image
 * starts with (Env, Cmd, Entrypoint, WorkingDir, User, ExposedPorts, Volumes, Labels, Healthcheck,
 * StopSignal, OnBuild …), the platform, the layer diff IDs and the history.
 */
import { InvalidArgument } from '../errdefs';
import { parseDigest, type Digest } from './digest';
import { MAX_CONFIG_BYTES, parseJsonBounded, type Platform } from './manifest';

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The runtime part of an image config, in Docker's spelling. */
export interface ContainerConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, object> | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: HealthConfig;
  ArgsEscaped?: boolean;
  Image?: string;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  OnBuild?: string[] | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Shell?: string[];
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfigFile {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  config?: ContainerConfig;
  container?: string;
  container_config?: ContainerConfig;
  docker_version?: string;
  comment?: string;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: HistoryEntry[];
  [extra: string]: unknown;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strArray(v: unknown, what: string): void {
  if (v === undefined || v === null) return;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new InvalidArgument(`invalid image config: ${what} must be a list of strings`);
  }
}

/** Parse and check an image config blob: bounded, valid JSON, the fields we use typed. */
export function parseImageConfig(data: Buffer): ImageConfigFile {
  const doc = parseJsonBounded(data, MAX_CONFIG_BYTES, 'image config');
  if (!isObj(doc)) throw new InvalidArgument('invalid image config: not a JSON object');
  if (typeof doc.architecture !== 'string' || typeof doc.os !== 'string') {
    throw new InvalidArgument('invalid image config: architecture and os are required');
  }
  const rootfs = doc.rootfs;
  if (!isObj(rootfs) || rootfs.type !== 'layers' || !Array.isArray(rootfs.diff_ids)) {
    throw new InvalidArgument('invalid image config: rootfs must be {"type":"layers","diff_ids":[…]}');
  }
  const diffIds = rootfs.diff_ids.map((d) => {
    if (typeof d !== 'string') throw new InvalidArgument('invalid image config: diff_ids must be digests');
    return parseDigest(d);
  });
  if (doc.config !== undefined && doc.config !== null) {
    if (!isObj(doc.config)) throw new InvalidArgument('invalid image config: config must be an object');
    const c = doc.config;
    strArray(c.Env, 'Env');
    strArray(c.Cmd, 'Cmd');
    strArray(c.Entrypoint, 'Entrypoint');
    strArray(c.OnBuild, 'OnBuild');
    if (
      c.Labels !== undefined &&
      c.Labels !== null &&
      (!isObj(c.Labels) || Object.values(c.Labels).some((x) => typeof x !== 'string'))
    ) {
      throw new InvalidArgument('invalid image config: Labels must map strings to strings');
    }
  }
  if (doc.history !== undefined && !Array.isArray(doc.history)) {
    throw new InvalidArgument('invalid image config: history must be a list');
  }
  const history = (doc.history as unknown[] | undefined)?.filter(isObj) as HistoryEntry[] | undefined;
  // A history whose non-empty entries do not match the layers is tolerated (some tools write it
  // sloppily); history lines are matched to layers best-effort.
  return {
    ...(doc as Record<string, unknown>),
    architecture: doc.architecture,
    os: doc.os,
    rootfs: { type: 'layers', diff_ids: diffIds },
    ...(history ? { history } : {}),
    ...(doc.config === null ? { config: {} } : {}),
  } as ImageConfigFile;
}

export function configPlatform(c: ImageConfigFile): Platform {
  return {
    os: c.os,
    architecture: c.architecture,
    ...(c.variant ? { variant: c.variant } : {}),
    ...(c['os.version'] ? { 'os.version': c['os.version'] } : {}),
  };
}

/** Seconds since the epoch of the config's `created`, 0 when absent or unparseable. */
export function createdSeconds(c: Pick<ImageConfigFile, 'created'>): number {
  const t = c.created ? Date.parse(c.created) : NaN;
  return Number.isFinite(t) ? Math.floor(t / 1000) : 0;
}

/** Serialise a config we create (commit, import): stable key order, no extra whitespace. */
export function encodeImageConfig(c: ImageConfigFile): Buffer {
  return Buffer.from(JSON.stringify(c));
}
