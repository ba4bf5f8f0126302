/** The classic `POST /build` query, as dockerd reads it (api/server/router/build). */
import { InvalidArgument, NotImplemented } from '../../../errdefs';
import { parseReference } from '../../../images/reference';
import type { RunSettings } from '../../../build/engine/run-container';
import type { Query } from '../../query';

export interface BuildQuery {
  tags: string[];
  dockerfile: string | undefined;
  buildArgs: Record<string, string | null>;
  labels: Record<string, string>;
  target: string | undefined;
  noCache: boolean;
  pull: boolean;
  rm: boolean;
  forceRm: boolean;
  quiet: boolean;
  platform: string | undefined;
  settings: RunSettings;
}

function jsonParam<T>(q: Query, name: string, check: (v: unknown) => v is T, dflt: T): T {
  const raw = q.str(name);
  if (raw === undefined || raw === '') return dflt;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new InvalidArgument(`invalid ${name} parameter: ${raw}`);
  }
  if (v === null) return dflt;
  if (!check(v)) throw new InvalidArgument(`invalid ${name} parameter: ${raw}`);
  return v;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringMap<N extends boolean>(nullable: N) {
  return (v: unknown): v is Record<string, N extends true ? string | null : string> =>
    isObj(v) && Object.values(v).every((x) => typeof x === 'string' || (nullable && x === null));
}

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

export function parseBuildQuery(q: Query): BuildQuery {
  const remote = q.str('remote');
  if (remote) throw new NotImplemented('building from a remote context (git URL, tarball URL) is not supported yet');
  const tags = q.all('t').filter((t) => t !== '');
  for (const t of tags) {
    const ref = parseReference(t);
    if (ref.digest) throw new InvalidArgument(`invalid tag ${t}: a digest reference cannot be a tag`);
  }
  jsonParam(q, 'cachefrom', isStringList, []); // accepted: classic images as cache sources are not used
  const extraHosts = q
    .all('extrahosts')
    .flatMap((h) => h.split(','))
    .filter((h) => h !== '');
  const rm = q.bool('rm', true);
  const forceRm = q.bool('forcerm');
  return {
    tags,
    dockerfile: q.str('dockerfile') || undefined,
    buildArgs: jsonParam(q, 'buildargs', stringMap(true), {}),
    labels: jsonParam(q, 'labels', stringMap(false), {}),
    target: q.str('target') || undefined,
    noCache: q.bool('nocache'),
    pull: q.bool('pull'),
    rm,
    forceRm,
    quiet: q.bool('q'),
    platform: q.str('platform') || undefined,
    settings: {
      removeContainers: rm || forceRm,
      networkMode: q.str('networkmode') ?? '',
      extraHosts,
      shmSize: q.int('shmsize') ?? 0,
      memory: q.int('memory') ?? 0,
      memorySwap: q.int('memswap') ?? 0,
      cpuShares: q.int('cpushares') ?? 0,
      cpuQuota: q.int('cpuquota') ?? 0,
      cpuPeriod: q.int('cpuperiod') ?? 0,
      cpusetCpus: q.str('cpusetcpus') ?? '',
      cpusetMems: q.str('cpusetmems') ?? '',
    },
  };
}
