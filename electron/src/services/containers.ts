/** Containers on one host, through dockerode: list, inspect, run, lifecycle actions, logs, top. */
import type Dockerode from 'dockerode';
import type {
  BulkResult,
  ContainerAction,
  ContainerDetail,
  ContainerSummary,
  LogEntry,
  LogsQuery,
  ProcessList,
  RunSpec,
} from '../contract/models/containers';
import type { PruneReport } from '../contract/models/storage';
import {
  RUN_FIELD_HINTS,
  createBody,
  toContainerDetail,
  toContainerSummary,
  type RawContainer,
} from './containers-map';
import { ServiceError, toErrorPayload } from './errors';
import type { HostManager } from './hosts/manager';
import { fetchLogs } from './streams/logs';

/** The engine answers 304 when a container already is in the wanted state: that is success. */
function alreadyDone(err: unknown): boolean {
  return (err as { statusCode?: number } | null)?.statusCode === 304;
}

async function idempotent(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!alreadyDone(err)) throw err;
  }
}

export interface ImagePuller {
  /** Pull an image (as a task the UI shows) and resolve when it is there. */
  pullAndWait(hostId: string, ref: string): Promise<void>;
}

export class ContainerService {
  constructor(
    private readonly hosts: HostManager,
    private readonly puller: ImagePuller,
  ) {}

  list(hostId: string, opts: { all?: boolean; filters?: Record<string, string[]> }): Promise<ContainerSummary[]> {
    return this.hosts.call(hostId, async (d) => {
      const raw = (await d.listContainers({
        all: opts.all ?? true,
        ...(opts.filters ? { filters: JSON.stringify(opts.filters) } : {}),
      })) as unknown as RawContainer[];
      return raw.map(toContainerSummary);
    });
  }

  inspect(hostId: string, id: string): Promise<ContainerDetail> {
    return this.hosts.call(hostId, async (d) =>
      toContainerDetail((await d.getContainer(id).inspect()) as unknown as Record<string, unknown>),
    );
  }

  /**
   * Create, and with start, run. Either it runs or nothing is left behind: a container whose start
   * fails is removed again, so the dialog can be corrected and submitted with the same name.
   */
  async create(
    hostId: string,
    spec: RunSpec,
    opts: { start?: boolean; pull?: 'missing' | 'never' },
  ): Promise<{ id: string; warnings: string[]; started: boolean }> {
    const body = { ...createBody(spec), ...(spec.name ? { name: spec.name } : {}) };
    const create = (d: Dockerode): Promise<Dockerode.Container> =>
      d.createContainer(body as Dockerode.ContainerCreateOptions);
    let container: Dockerode.Container;
    try {
      container = await this.hosts.call(hostId, create);
    } catch (err) {
      const noImage =
        (err as { statusCode?: number }).statusCode === 404 && /no such image/i.test(toErrorPayload(err).message);
      if (!noImage || opts.pull !== 'missing') throw runError(err, hostId);
      try {
        await this.puller.pullAndWait(hostId, spec.image);
      } catch (pullErr) {
        throw runError(pullErr, hostId);
      }
      try {
        container = await this.hosts.call(hostId, create);
      } catch (again) {
        throw runError(again, hostId);
      }
    }
    const warnings: string[] = [];
    if (!opts.start) return { id: container.id, warnings, started: false };
    try {
      await this.hosts.call(hostId, () => container.start());
    } catch (err) {
      await this.hosts.call(hostId, () => container.remove({ force: true })).catch(() => undefined);
      throw runError(err, hostId);
    }
    return { id: container.id, warnings, started: true };
  }

  action(
    hostId: string,
    id: string,
    action: ContainerAction,
    opts: { timeoutSeconds?: number; signal?: string; force?: boolean; volumes?: boolean } = {},
  ): Promise<void> {
    return this.hosts.call(hostId, (d) => {
      const c = d.getContainer(id);
      const t = opts.timeoutSeconds !== undefined ? { t: opts.timeoutSeconds } : {};
      switch (action) {
        case 'start':
          return idempotent(c.start());
        case 'stop':
          return idempotent(c.stop(t));
        case 'restart':
          return idempotent(c.restart(t));
        case 'pause':
          return idempotent(c.pause());
        case 'unpause':
          return idempotent(c.unpause());
        case 'kill':
          return idempotent(c.kill(opts.signal ? { signal: opts.signal } : {}));
        case 'remove':
          return idempotent(c.remove({ force: opts.force ?? false, v: opts.volumes ?? false }));
      }
    });
  }

  /** The same action on many containers, a few at a time; each result says whether it worked. */
  async bulk(hostId: string, action: ContainerAction, ids: string[], force?: boolean): Promise<BulkResult[]> {
    const results: BulkResult[] = new Array(ids.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ids.length) {
        const i = next++;
        const id = ids[i]!;
        try {
          await this.action(hostId, id, action, force ? { force } : {});
          results[i] = { id, ok: true };
        } catch (err) {
          results[i] = { id, ok: false, error: toErrorPayload(err, { hostId }) };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, ids.length) }, worker));
    return results;
  }

  rename(hostId: string, id: string, name: string): Promise<void> {
    return this.hosts.call(hostId, async (d) => {
      try {
        await d.getContainer(id).rename({ name });
      } catch (err) {
        const p = toErrorPayload(err, { hostId });
        throw new ServiceError(p.code, p.message, { field: ['name'], hostId });
      }
    });
  }

  logs(q: LogsQuery): Promise<LogEntry[]> {
    return this.hosts.call(q.hostId, (d) => fetchLogs(d, q));
  }

  top(hostId: string, id: string, psArgs?: string): Promise<ProcessList> {
    return this.hosts.call(hostId, async (d) => {
      const r = (await d.getContainer(id).top(psArgs ? { ps_args: psArgs } : {})) as {
        Titles?: string[];
        Processes?: string[][];
      };
      return { titles: r.Titles ?? [], processes: r.Processes ?? [] };
    });
  }

  prune(hostId: string): Promise<PruneReport> {
    return this.hosts.call(hostId, async (d) => {
      const r = (await d.pruneContainers()) as { ContainersDeleted?: string[] | null; SpaceReclaimed?: number };
      return { deleted: r.ContainersDeleted ?? [], spaceReclaimed: r.SpaceReclaimed ?? 0 };
    });
  }
}

function runError(err: unknown, hostId: string): ServiceError {
  const p = toErrorPayload(err, { hostId, fieldHints: RUN_FIELD_HINTS });
  return new ServiceError(p.code, p.message, {
    hostId,
    ...(p.field ? { field: p.field } : {}),
    ...(p.hint ? { hint: p.hint } : {}),
    cause: err,
  });
}
