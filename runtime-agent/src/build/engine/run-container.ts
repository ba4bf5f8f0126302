/**
 * RUN: a container made by the containers module (the same path as `docker run`) from the parent
 * image, with the step's argv (SHELL already applied), env (build args included), user, workdir
 * and network; its output streamed to the build log as it comes; its overlay upper dir is what
 * the caller commits. Heredoc scripts and `RUN --mount` bind/tmpfs/cache mounts are bind mounts.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { promisify } from 'node:util';
import type { ContainerService } from '../../containers/service';
import { parseCreateRequest } from '../../containers/create-request';
import type { MountSpec } from '../../containers/docker-types';
import { InvalidArgument, NotImplemented } from '../../errdefs';
import type { RunIO } from '../backend';
import { RunFailedError } from '../backend';
import type { RunStep } from '../planner/types';
import { BuildCancelledError } from '../builder';

const run = promisify(execFile);

/** Marks the containers of RUN steps (informational: cleanup at start uses RunRecords, not labels). */
export const BUILD_LABEL = 'com.berth.build';
/** '1' when the build removes its RUN containers (`rm`/`forcerm`), '0' when it keeps them. */
export const BUILD_RM_LABEL = 'com.berth.build.rm';

/** Per-build container settings from the /build query. */
export interface RunSettings {
  /** `rm` or `forcerm`: the containers go after their step (recorded in BUILD_RM_LABEL). */
  removeContainers: boolean;
  /** `networkmode`: '' / default → bridge. */
  networkMode: string;
  extraHosts: string[];
  shmSize: number;
  memory: number;
  memorySwap: number;
  cpuShares: number;
  cpuQuota: number;
  cpuPeriod: number;
  cpusetCpus: string;
  cpusetMems: string;
}

export interface RunPaths {
  /** Private temp dir of this step (heredoc scripts). */
  scratch: string;
  /** Persistent dir for `RUN --mount=type=cache`. */
  cacheMounts: string;
}

function networkOf(step: RunStep, s: RunSettings): string {
  if (step.network === 'none') return 'none';
  if (step.network === 'host') return 'host';
  return s.networkMode === '' || s.networkMode === 'default' ? 'bridge' : s.networkMode;
}

async function mountsOf(step: RunStep, paths: RunPaths): Promise<MountSpec[]> {
  const out: MountSpec[] = [];
  for (const f of step.files) {
    const host = path.join(paths.scratch, crypto.randomBytes(6).toString('hex'));
    await fs.writeFile(host, f.data, { mode: f.mode });
    out.push({ Type: 'bind', Source: host, Target: f.path, ReadOnly: true });
  }
  for (let i = 0; i < step.mounts.length; i++) {
    const m = step.mounts[i]!;
    const target = m.target ?? '';
    if (m.type === 'bind') {
      const src = step.bindSources[i];
      if (!src) throw new InvalidArgument(`RUN --mount=type=bind: no source for ${target}`);
      let source = src.hostPath;
      if (step.mountSources[i]?.kind !== 'context' || !m.readOnly) {
        // A stage or image is an overlay mounted in the agent's mount namespace, which the
        // container's (made ahead by the init pool) does not see; `rw` writes must not reach
        // the context: bind a private copy.
        source = path.join(paths.scratch, crypto.randomBytes(6).toString('hex'));
        await run('cp', ['-a', '--reflink=auto', '--', src.hostPath, source]);
      }
      out.push({ Type: 'bind', Source: source, Target: target, ReadOnly: m.readOnly });
    } else if (m.type === 'tmpfs') {
      out.push({ Type: 'tmpfs', Target: target, ...(m.sizeLimit ? { TmpfsOptions: { SizeBytes: m.sizeLimit } } : {}) });
    } else if (m.type === 'cache') {
      const id = crypto
        .createHash('sha256')
        .update(m.cacheId ?? target)
        .digest('hex');
      const host = path.join(paths.cacheMounts, id);
      // mode, uid and gid apply when the cache is created; later builds find it as it was left.
      if ((await fs.mkdir(host, { recursive: true, mode: m.mode ?? 0o755 })) !== undefined) {
        await fs.chmod(host, m.mode ?? 0o755);
        await fs.chown(host, m.uid ?? 0, m.gid ?? 0);
      }
      out.push({ Type: 'bind', Source: host, Target: target, ReadOnly: m.readOnly });
    } else {
      throw new NotImplemented(`RUN --mount=type=${m.type} is not supported by Berth yet`);
    }
  }
  return out;
}

/**
 * SIGKILL for a cancelled step. The runtime waits for a start in progress, but a cancel that
 * comes between create and start finds nothing running yet: try again until the step is over.
 */
async function killUntilExit(containers: ContainerService, id: string, done: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 100 && !done(); attempt++) {
    try {
      await containers.kill(id, 'KILL');
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * The client is behind: the container is paused (its output cannot pile up in the agent, as the
 * attach queue does not push back) until the client has caught up or gone, then resumed.
 */
async function throttle(containers: ContainerService, id: string, behind: Promise<void>): Promise<void> {
  const paused = await containers.pause(id).then(
    () => true,
    () => false, // exited, or no freezer: the queue holds what is left
  );
  try {
    await behind;
  } finally {
    if (paused) await containers.unpause(id).catch(() => undefined);
  }
}

/** Creates, runs and waits for the step's container; resolves with its ID when it exited 0. */
export async function runContainer(
  containers: ContainerService,
  parentImage: string,
  step: RunStep,
  io: RunIO,
  settings: RunSettings,
  paths: RunPaths,
  track: (id: string) => Promise<void> | void,
): Promise<string> {
  if (parentImage === '') throw new InvalidArgument('RUN needs a base image with a shell: FROM scratch has none');
  if (step.security === 'insecure') throw new NotImplemented('RUN --security=insecure is not supported');
  const req = parseCreateRequest(
    {
      Image: parentImage,
      Cmd: step.argv,
      Entrypoint: [''],
      Env: step.env,
      User: step.user,
      WorkingDir: step.workdir,
      AttachStdout: true,
      AttachStderr: true,
      Labels: { [BUILD_LABEL]: 'run', [BUILD_RM_LABEL]: settings.removeContainers ? '1' : '0' },
      HostConfig: {
        NetworkMode: networkOf(step, settings),
        ExtraHosts: settings.extraHosts,
        ShmSize: settings.shmSize,
        Memory: settings.memory,
        MemorySwap: settings.memorySwap,
        CpuShares: settings.cpuShares,
        CpuQuota: settings.cpuQuota,
        CpuPeriod: settings.cpuPeriod,
        CpusetCpus: settings.cpusetCpus,
        CpusetMems: settings.cpusetMems,
        Mounts: await mountsOf(step, paths),
      },
    },
    undefined,
    undefined,
  );
  const { Id: id } = await containers.create(req);
  await track(id);
  io.onContainer(id);
  const session = await containers.attach(id, {
    stream: true,
    logs: false,
    stdin: false,
    stdout: true,
    stderr: true,
    detachKeys: undefined,
  });
  let exited = false;
  const onAbort = (): void => {
    // Thawed first: a frozen (throttled) process may not act on SIGKILL until it runs again.
    void containers
      .unpause(id)
      .catch(() => undefined)
      .then(() => killUntilExit(containers, id, () => exited));
    session.close();
  };
  io.signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (io.signal.aborted) throw new BuildCancelledError();
    const wait = await containers.wait(id, 'next-exit');
    await containers.start(id);
    const out = new StringDecoder('utf8');
    const err = new StringDecoder('utf8');
    for await (const c of session.output) {
      if (c.stream === 'stderr') {
        const t = err.write(c.data);
        if (t) io.stderr(t);
      } else {
        const t = out.write(c.data);
        if (t) io.stdout(t);
      }
      const behind = io.backlog?.();
      if (behind && !io.signal.aborted) await throttle(containers, id, behind);
    }
    const restOut = out.end();
    if (restOut) io.stdout(restOut);
    const restErr = err.end();
    if (restErr) io.stderr(restErr);
    const { StatusCode } = await wait();
    exited = true;
    if (io.signal.aborted) throw new BuildCancelledError();
    if (StatusCode !== 0) throw new RunFailedError(StatusCode, step.argv);
    return id;
  } finally {
    exited = true;
    io.signal.removeEventListener('abort', onAbort);
    session.close();
  }
}
