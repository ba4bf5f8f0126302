/**
 * POST /containers/create: resolve the image (404 lets the CLI pull and retry), the mounts and
 * volumes, the network request; create the runtime container; fill fresh volumes from the image;
 * keep Docker's view of the request (engine.json). A failure leaves nothing behind.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { requestsFromApi } from '../network/ports/spec';
import type { ContainerNetworkRequest, EndpointRequest } from '../network/types';
import type { CreateOptions } from '../runtime/spec/types';
import { resolveInRoot } from './archive/secure-join';
import type { ServiceDeps } from './deps';
import type { ContainerConfig, CreateRequest } from './docker-types';
import { saveEngineRecord, type EngineRecord } from './engine-record';
import { mergeHealth } from './health';
import { resolveMounts } from './mount-resolver';
import { collectMounts } from './mounts';
import { validateCreate } from './validate';

const run = promisify(execFile);

function networkMode(mode: string): string {
  return mode === '' || mode === 'default' ? 'bridge' : mode;
}

function endpointRequests(req: CreateRequest): EndpointRequest[] {
  // The CLI names the default network "default" (bridge on Linux).
  return Object.entries(req.networkingConfig.EndpointsConfig).map(([network, ep]) => ({
    network: network === 'default' ? 'bridge' : network,
    aliases: ep.Aliases ?? undefined,
    ipv4Address: ep.IPAMConfig?.IPv4Address || undefined,
    macAddress: ep.MacAddress || undefined,
  }));
}

export async function createContainer(d: ServiceDeps, req: CreateRequest): Promise<{ Id: string; Warnings: string[] }> {
  validateCreate(req.config, req.hostConfig);
  const img = await d.images.rootfs(req.config.Image);
  const releaseImage = d.images.lease(img.imageId);
  const imageConfig = (img.config.config ?? {}) as Partial<ContainerConfig>;
  // Anonymous volumes: the image's VOLUMEs and the request's Config.Volumes (`docker run -v /path`).
  const anonymous = [...new Set([...Object.keys(imageConfig.Volumes ?? {}), ...Object.keys(req.config.Volumes ?? {})])];
  const resolved = resolveMounts(collectMounts(req.hostConfig), anonymous, d.volumes);
  const h = req.hostConfig;
  const c = req.config;
  const mode = networkMode(h.NetworkMode);
  const opts: CreateOptions = {
    ...(req.name ? { name: req.name } : {}),
    rootfs: { lowerDirs: img.lowerDirs },
    image: req.config.Image,
    imageId: img.imageId,
    imageConfig: {
      ...(imageConfig.Env ? { Env: imageConfig.Env } : {}),
      ...(imageConfig.Cmd ? { Cmd: imageConfig.Cmd } : {}),
      ...(imageConfig.Entrypoint ? { Entrypoint: imageConfig.Entrypoint } : {}),
      ...(imageConfig.WorkingDir ? { WorkingDir: imageConfig.WorkingDir } : {}),
      ...(imageConfig.User ? { User: imageConfig.User } : {}),
      ...(imageConfig.StopSignal ? { StopSignal: imageConfig.StopSignal } : {}),
      ...(imageConfig.Labels ? { Labels: imageConfig.Labels } : {}),
    },
    ...(c.Cmd ? { cmd: c.Cmd } : {}),
    ...(c.Entrypoint ? { entrypoint: c.Entrypoint } : {}),
    env: c.Env,
    ...(c.WorkingDir ? { workingDir: c.WorkingDir } : {}),
    ...(c.User ? { user: c.User } : {}),
    ...(Array.isArray(h.GroupAdd) ? { groupAdd: h.GroupAdd as string[] } : {}),
    ...(c.Hostname ? { hostname: c.Hostname } : {}),
    ...(c.Domainname ? { domainname: c.Domainname } : {}),
    tty: c.Tty,
    openStdin: c.OpenStdin,
    stdinOnce: c.StdinOnce,
    labels: { ...(imageConfig.Labels ?? {}), ...c.Labels },
    ...(c.StopSignal ? { stopSignal: c.StopSignal } : {}),
    ...(c.StopTimeout !== undefined ? { stopTimeout: c.StopTimeout } : {}),
    readonlyRootfs: h.ReadonlyRootfs,
    tmpfs: resolved.tmpfs,
    mounts: resolved.mounts,
    capAdd: h.CapAdd ?? [],
    capDrop: h.CapDrop ?? [],
    securityOpt: h.SecurityOpt ?? [],
    privileged: h.Privileged,
    resources: {
      memory: h.Memory,
      memorySwap: h.MemorySwap,
      memoryReservation: h.MemoryReservation,
      nanoCpus: h.NanoCpus,
      cpuShares: h.CpuShares,
      cpuQuota: h.CpuQuota,
      cpuPeriod: h.CpuPeriod,
      cpusetCpus: h.CpusetCpus,
      cpusetMems: h.CpusetMems,
      blkioWeight: h.BlkioWeight,
      ...(h.PidsLimit !== null && h.PidsLimit > 0 ? { pidsLimit: h.PidsLimit } : {}),
    },
    ...(Array.isArray(h.Ulimits)
      ? {
          ulimits: (h.Ulimits as Array<{ Name: string; Soft: number; Hard: number }>).map((u) => ({
            name: u.Name,
            soft: u.Soft,
            hard: u.Hard,
          })),
        }
      : {}),
    ...(h.ShmSize > 0 ? { shmSize: h.ShmSize } : {}),
    networkMode: mode,
    autoRemove: h.AutoRemove,
    restartPolicy: { name: h.RestartPolicy.Name || 'no', maximumRetryCount: h.RestartPolicy.MaximumRetryCount },
  };
  let rec;
  try {
    rec = await d.runtime.create(opts);
  } catch (err) {
    releaseImage();
    for (const v of resolved.created) d.volumes.remove(v, true);
    throw err;
  }
  const dir = d.runtime.dir(rec.id);
  try {
    const network: ContainerNetworkRequest = {
      containerName: rec.name,
      mode,
      endpoints: endpointRequests(req),
      ports: requestsFromApi({
        PortBindings: h.PortBindings,
        PublishAllPorts: h.PublishAllPorts,
        ExposedPorts: { ...imageConfig.ExposedPorts, ...c.ExposedPorts },
      }),
      exposedPorts: Object.keys({ ...imageConfig.ExposedPorts, ...c.ExposedPorts }),
      hostname: rec.spec.hostname,
      domainname: rec.spec.domainname,
      dns: h.Dns,
      dnsSearch: h.DnsSearch,
      dnsOptions: h.DnsOptions,
      extraHosts: h.ExtraHosts ?? [],
      etcDir: dir,
    };
    if (!mode.startsWith('container:')) d.network.validate(network);
    for (const v of resolved.volumeNames) d.volumes.acquire(v, rec.id);
    const engine: EngineRecord = {
      config: c,
      hostConfig: h,
      networkingConfig: req.networkingConfig,
      imageRef: req.config.Image,
      mounts: resolved.summary,
      anonymousVolumes: resolved.anonymous,
      network,
      health: mergeHealth(imageConfig.Healthcheck, c.Healthcheck),
      imageConfig,
    };
    saveEngineRecord(dir, engine);
    if (resolved.populate.length) await populateVolumes(d, rec.id, dir, resolved.populate);
  } catch (err) {
    await d.runtime.remove(rec.id, { force: true }).catch(() => undefined);
    for (const v of resolved.volumeNames) d.volumes.release(v, rec.id);
    for (const v of resolved.created) d.volumes.remove(v, true);
    throw err;
  } finally {
    releaseImage();
  }
  return { Id: rec.id, Warnings: [] };
}

/** Docker copies the image's content at a volume's path into a fresh volume. */
async function populateVolumes(
  d: ServiceDeps,
  id: string,
  dir: string,
  list: Array<{ name: string; target: string }>,
): Promise<void> {
  const rec = d.runtime.inspect(id);
  await d.views.with({ dir, runningPid: undefined, rootfs: rec.rootfs }, 'read', async (root) => {
    for (const { name, target } of list) {
      if (!d.volumes.isFresh(name)) continue;
      const src = resolveInRoot(root, target, { followFinal: true });
      if (fs.existsSync(src) && fs.statSync(src).isDirectory()) {
        const dest = d.volumes.get(name).Mountpoint;
        await run('cp', ['-a', '--', `${src}/.`, dest]);
        const st = fs.statSync(src);
        fs.chownSync(dest, st.uid, st.gid);
        fs.chmodSync(dest, st.mode & 0o7777);
      }
      d.volumes.markPopulated(name);
    }
  });
}
