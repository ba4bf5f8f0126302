/** Images on one host: list (with use counts), inspect, history, pull and push as tasks, tag, remove, prune. */
import type Dockerode from 'dockerode';
import type {
  ImageDetail,
  ImageHistoryEntry,
  ImageSummary,
  PruneReport,
  RegistryAuth,
} from '../contract/models/storage';
import type { TaskInfo } from '../contract/models/tasks';
import { ServiceError } from './errors';
import type { HostManager } from './hosts/manager';
import { ProgressTracker, type ProgressMessage } from './progress';
import { readJsonLines } from './streams/json-lines';
import type { TaskContext, TaskRegistry } from './tasks';

type Json = Record<string, unknown>;
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});

function authConfig(auth?: RegistryAuth): Record<string, string> | undefined {
  if (!auth) return undefined;
  return {
    username: auth.username,
    password: auth.password,
    ...(auth.serverAddress ? { serveraddress: auth.serverAddress } : {}),
  };
}

/** Splits "registry:5000/name:tag" into repo and tag (a port is not a tag). */
export function splitRef(ref: string): { repo: string; tag: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { repo: ref.slice(0, at), tag: ref.slice(at + 1) };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: 'latest' };
}

/** Follow a pull/push progress stream into the task until it ends; rejects on an engine error or cancel. */
export function followProgress(
  stream: NodeJS.ReadableStream,
  ctx: TaskContext,
  tracker: ProgressTracker,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed = false;
    const stop = readJsonLines(stream, {
      object: (o) => {
        try {
          tracker.apply(o as ProgressMessage);
          ctx.progress(tracker.snapshot());
        } catch (err) {
          failed = true;
          ctx.signal.removeEventListener('abort', onAbort);
          stop();
          reject(err);
        }
      },
      end: (err) => {
        ctx.signal.removeEventListener('abort', onAbort);
        if (failed) return;
        if (err) reject(err);
        else resolve();
      },
    });
    const onAbort = (): void => {
      stop();
      reject(new ServiceError('Cancelled', 'cancelled'));
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class ImageService {
  constructor(
    private readonly hosts: HostManager,
    private readonly tasks: TaskRegistry,
  ) {}

  list(hostId: string, all = false): Promise<ImageSummary[]> {
    return this.hosts.call(hostId, async (d) => {
      const [images, containers] = await Promise.all([
        d.listImages({ all }) as unknown as Promise<Json[]>,
        d.listContainers({ all: true }) as unknown as Promise<Json[]>,
      ]);
      const uses = new Map<string, number>();
      for (const c of containers) uses.set(String(c.ImageID), (uses.get(String(c.ImageID)) ?? 0) + 1);
      return images.map((i) => {
        const tags = strs(i.RepoTags).filter((t) => t !== '<none>:<none>');
        const id = String(i.Id ?? '');
        const count = uses.get(id) ?? 0;
        return {
          id,
          repoTags: tags,
          repoDigests: strs(i.RepoDigests).filter((t) => t !== '<none>@<none>'),
          created: Number(i.Created ?? 0),
          size: Number(i.Size ?? 0),
          labels: obj(i.Labels) as Record<string, string>,
          containers: count,
          dangling: tags.length === 0 && count === 0,
        };
      });
    });
  }

  inspect(hostId: string, id: string): Promise<ImageDetail> {
    return this.hosts.call(hostId, async (d) => {
      const raw = (await d.getImage(id).inspect()) as unknown as Json;
      const c = obj(raw.Config);
      return {
        id: String(raw.Id ?? ''),
        repoTags: strs(raw.RepoTags),
        repoDigests: strs(raw.RepoDigests),
        created: String(raw.Created ?? ''),
        size: Number(raw.Size ?? 0),
        architecture: String(raw.Architecture ?? ''),
        os: String(raw.Os ?? ''),
        author: String(raw.Author ?? ''),
        config: {
          cmd: strs(c.Cmd),
          entrypoint: strs(c.Entrypoint),
          env: strs(c.Env),
          exposedPorts: Object.keys(obj(c.ExposedPorts)),
          workingDir: String(c.WorkingDir ?? ''),
          user: String(c.User ?? ''),
          labels: obj(c.Labels) as Record<string, string>,
          volumes: Object.keys(obj(c.Volumes)),
        },
        layers: strs(obj(raw.RootFS).Layers),
        raw,
      };
    });
  }

  history(hostId: string, id: string): Promise<ImageHistoryEntry[]> {
    return this.hosts.call(hostId, async (d) => {
      const rows = (await d.getImage(id).history()) as unknown as Json[];
      return rows.map((h) => ({
        id: String(h.Id ?? ''),
        created: Number(h.Created ?? 0),
        createdBy: String(h.CreatedBy ?? ''),
        size: Number(h.Size ?? 0),
        tags: strs(h.Tags),
        comment: String(h.Comment ?? ''),
      }));
    });
  }

  pull(hostId: string, ref: string, opts: { platform?: string; auth?: RegistryAuth } = {}): TaskInfo {
    this.hosts.docker(hostId); // fail now (not in the task) when the host is not connected
    return this.tasks.start('pull', hostId, `Pull ${ref}`, async (ctx) => {
      const tracker = new ProgressTracker();
      const auth = authConfig(opts.auth);
      const stream = (await this.hosts.call(hostId, (d) =>
        d.pull(ref, {
          ...(opts.platform ? { platform: opts.platform } : {}),
          ...(auth ? { authconfig: auth } : {}),
          abortSignal: ctx.signal,
        }),
      )) as NodeJS.ReadableStream;
      await followProgress(stream, ctx, tracker);
      const image = (await this.hosts.call(hostId, (d) =>
        d
          .getImage(ref)
          .inspect()
          .catch(() => undefined),
      )) as { Id?: string } | undefined;
      return { ...(image?.Id ? { imageId: image.Id } : {}), ...(tracker.digest ? { digest: tracker.digest } : {}) };
    });
  }

  async pullAndWait(hostId: string, ref: string): Promise<void> {
    const t = await this.tasks.wait(this.pull(hostId, ref).id);
    if (t.state !== 'succeeded')
      throw new ServiceError(t.error?.code ?? 'Internal', t.error?.message ?? `pull of ${ref} failed`);
  }

  push(hostId: string, ref: string, auth?: RegistryAuth): TaskInfo {
    this.hosts.docker(hostId);
    return this.tasks.start('push', hostId, `Push ${ref}`, async (ctx) => {
      const tracker = new ProgressTracker();
      const { repo, tag } = splitRef(ref);
      const a = authConfig(auth);
      const stream = (await this.hosts.call(hostId, (d) =>
        d
          .getImage(repo)
          .push({ tag, ...(a ? { authconfig: a } : {}), abortSignal: ctx.signal } as Dockerode.ImagePushOptions),
      )) as unknown as NodeJS.ReadableStream;
      await followProgress(stream, ctx, tracker);
      return tracker.digest ? { digest: tracker.digest } : undefined;
    });
  }

  tag(hostId: string, id: string, repo: string, tag?: string): Promise<void> {
    return this.hosts.call(hostId, async (d) => {
      const split = tag === undefined ? splitRef(repo) : { repo, tag };
      await d.getImage(id).tag({ repo: split.repo, tag: split.tag });
    });
  }

  remove(hostId: string, id: string, opts: { force?: boolean; noPrune?: boolean }): Promise<string[]> {
    return this.hosts.call(hostId, async (d) => {
      const r = (await d
        .getImage(id)
        .remove({ force: opts.force ?? false, noprune: opts.noPrune ?? false })) as unknown as Array<{
        Untagged?: string;
        Deleted?: string;
      }>;
      return (r ?? []).map((x) => x.Deleted ?? x.Untagged ?? '').filter(Boolean);
    });
  }

  prune(hostId: string, dangling = true): Promise<PruneReport> {
    return this.hosts.call(hostId, async (d) => {
      const r = (await d.pruneImages({ filters: { dangling: [String(dangling)] } })) as {
        ImagesDeleted?: Array<{ Untagged?: string; Deleted?: string }> | null;
        SpaceReclaimed?: number;
      };
      return {
        deleted: (r.ImagesDeleted ?? []).map((x) => x.Deleted ?? x.Untagged ?? '').filter(Boolean),
        spaceReclaimed: r.SpaceReclaimed ?? 0,
      };
    });
  }
}
