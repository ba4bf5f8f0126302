/**
 * GET /containers/json: filters with moby's semantics (daemon/list.go) and the summary shape.
 * `id` and `name` filters are regular expressions (unanchored), as in moby's filters.Match.
 */
import { InvalidArgument } from '../errdefs';
import { checkFilterKeys, type Filters } from '../api/query';
import { statusText, type StateFacts } from './state';

export interface PortSummary {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

export interface MountSummary {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

export interface ListSubject {
  id: string;
  /** With the leading "/". */
  names: string[];
  image: string;
  imageId: string;
  /** Image references that resolve to imageId (for `ancestor`). */
  imageRefs: string[];
  command: string;
  createdNs: bigint;
  labels: Record<string, string>;
  state: StateFacts;
  ports: PortSummary[];
  /** "80/tcp" … from ExposedPorts. */
  exposed: string[];
  mounts: MountSummary[];
  networkMode: string;
  networks: Record<string, Record<string, unknown>>;
  networkIds: Record<string, string>;
  sizeRw?: number;
  sizeRootFs?: number;
}

export const LIST_FILTERS = [
  'ancestor',
  'before',
  'expose',
  'exited',
  'health',
  'id',
  'isolation',
  'is-task',
  'label',
  'name',
  'network',
  'publish',
  'since',
  'status',
  'volume',
];
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
const HEALTH = ['starting', 'healthy', 'unhealthy', 'none'];

function regexMatch(values: string[] | undefined, source: string): boolean {
  if (!values || values.length === 0) return true;
  return values.some((v) => {
    if (v === source) return true;
    try {
      return new RegExp(v).test(source);
    } catch {
      return false;
    }
  });
}

function labelMatch(values: string[] | undefined, labels: Record<string, string>): boolean {
  return (values ?? []).every((l) => {
    const eq = l.indexOf('=');
    return eq < 0 ? Object.hasOwn(labels, l) : labels[l.slice(0, eq)] === l.slice(eq + 1);
  });
}

/** "80", "80/udp", "8000-8080/tcp" against "port/proto" strings. */
function portMatch(values: string[] | undefined, ports: Array<{ port: number; proto: string }>): boolean {
  if (!values || values.length === 0) return true;
  return values.some((v) => {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/.exec(v);
    if (!m) throw new InvalidArgument(`invalid filter 'publish=${v}'`);
    const lo = Number(m[1]);
    const hi = m[2] ? Number(m[2]) : lo;
    const proto = m[3] ?? 'tcp';
    return ports.some((p) => p.proto === proto && p.port >= lo && p.port <= hi);
  });
}

export interface ListOptions {
  all: boolean;
  limit: number | undefined;
  filters: Filters;
  /** Resolve `before`/`since` references to a creation time. */
  createdOf: (ref: string) => bigint;
}

export function filterContainers(items: ListSubject[], o: ListOptions): ListSubject[] {
  const f = o.filters;
  checkFilterKeys(f, LIST_FILTERS);
  for (const s of f.get('status') ?? [])
    if (!STATUSES.includes(s)) throw new InvalidArgument(`invalid filter 'status=${s}'`);
  for (const h of f.get('health') ?? [])
    if (!HEALTH.includes(h)) throw new InvalidArgument(`invalid filter 'health=${h}'`);
  const exited = (f.get('exited') ?? []).map((e) => {
    if (!/^-?\d+$/.test(e)) throw new InvalidArgument(`invalid filter 'exited=${e}'`);
    return Number(e);
  });
  const before = f.get('before')?.map(o.createdOf);
  const since = f.get('since')?.map(o.createdOf);
  const all = o.all || (f.get('status')?.length ?? 0) > 0 || exited.length > 0;
  let out = items.filter((c) => {
    const st = c.state.status;
    if (!all && !(st === 'running' || st === 'paused' || st === 'restarting')) return false;
    if (f.has('status') && !f.get('status')!.includes(st)) return false;
    if (exited.length && !(st === 'exited' && exited.includes(c.state.exitCode))) return false;
    if (!regexMatch(f.get('id'), c.id)) return false;
    if (f.has('name') && !c.names.some((n) => regexMatch(f.get('name'), n) || regexMatch(f.get('name'), n.slice(1))))
      return false;
    if (!labelMatch(f.get('label'), c.labels)) return false;
    if (f.has('health') && !f.get('health')!.includes(c.state.health?.Status ?? 'none')) return false;
    if (
      f.has('ancestor') &&
      !f
        .get('ancestor')!
        .some(
          (a) =>
            a === c.imageId ||
            a === c.image ||
            c.imageRefs.includes(a) ||
            c.imageId.startsWith(`sha256:${a}`) ||
            c.imageId === `sha256:${a}`,
        )
    )
      return false;
    if (before && !before.every((t) => c.createdNs < t)) return false;
    if (since && !since.every((t) => c.createdNs > t)) return false;
    if (
      f.has('volume') &&
      !f.get('volume')!.some((v) => c.mounts.some((m) => m.Name === v || m.Source === v || m.Destination === v))
    )
      return false;
    if (
      f.has('network') &&
      !f
        .get('network')!
        .some((n) => Object.hasOwn(c.networks, n) || Object.values(c.networkIds).some((id) => id.startsWith(n)))
    )
      return false;
    const published = c.ports.filter((p) => p.PublicPort).map((p) => ({ port: p.PublicPort!, proto: p.Type }));
    if (!portMatch(f.get('publish'), published)) return false;
    const exposed = c.exposed.map((e) => ({ port: Number(e.split('/')[0]), proto: e.split('/')[1] ?? 'tcp' }));
    if (!portMatch(f.get('expose'), exposed)) return false;
    if ((f.get('is-task') ?? []).includes('true')) return false;
    return true;
  });
  out.sort((a, b) => (a.createdNs > b.createdNs ? -1 : a.createdNs < b.createdNs ? 1 : 0));
  if (o.limit !== undefined && o.limit > 0) out = out.slice(0, o.limit);
  return out;
}

export function summarize(c: ListSubject, withSize: boolean, now = Date.now()): Record<string, unknown> {
  return {
    Id: c.id,
    Names: c.names,
    Image: c.image,
    ImageID: c.imageId,
    Command: c.command,
    Created: Number(c.createdNs / 1_000_000_000n),
    Ports: c.ports,
    Labels: c.labels,
    State: c.state.status,
    Status: statusText(c.state, now),
    HostConfig: { NetworkMode: c.networkMode },
    NetworkSettings: { Networks: c.networks },
    Mounts: c.mounts,
    ...(withSize ? { SizeRw: c.sizeRw ?? 0, SizeRootFs: c.sizeRootFs ?? 0 } : {}),
  };
}

/** Docker's Command column: the args joined, quoting those with spaces. */
export function commandText(path: string, args: string[]): string {
  return [path, ...args].map((a) => (/\s/.test(a) ? `'${a.replace(/'/g, "'\\''")}'` : a)).join(' ');
}
