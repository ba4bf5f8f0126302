/**
 * Creating a container: the spec from the options (validated against the host's limits and the
 * cgroup manager), a unique name, the state directory with the rootfs and /etc files, the record.
 */
import fs from 'node:fs';
import { Conflict } from '../errdefs';
import { writeEtcFiles } from './init-config';
import { generateName, validateName } from './names';
import { prepareRootfs, validateRootfs } from './rootfs';
import type { ContainerRuntime } from './runtime';
import { buildSpec, type HostLimits } from './spec/build';
import type { CreateOptions } from './spec/types';
import { newContainerId, newState, type ContainerRecord } from './state';

export async function createContainer(
  rt: ContainerRuntime,
  o: CreateOptions,
  limits: HostLimits,
): Promise<ContainerRecord> {
  const id = newContainerId();
  validateRootfs(o.rootfs);
  const spec = buildSpec(id, o, limits);
  rt.cgroups.validate(spec.resources);
  const name = o.name ? validateName(o.name) : generateName((n) => rt.nameTaken(n));
  if (rt.nameTaken(name))
    throw new Conflict(`Conflict. The container name "/${name}" is already in use by another container.`);
  let netPeer: ContainerRecord | undefined;
  if (spec.networkMode.startsWith('container:')) netPeer = rt.get(spec.networkMode.slice('container:'.length)).rec;
  const rec: ContainerRecord = {
    id,
    name,
    created: new Date().toISOString(),
    image: o.image ?? '',
    imageId: o.imageId ?? '',
    rootfs: o.rootfs,
    spec,
    state: newState(),
    restartCount: 0,
  };
  if (netPeer) rec.spec.networkMode = `container:${netPeer.id}`;
  const dir = rt.store.dir(id);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.mkdirSync(rt.ioDir(id), { mode: 0o700 });
    prepareRootfs(dir, o.rootfs);
    writeEtcFiles(dir, spec, o, netPeer ? rt.store.dir(netPeer.id) : undefined);
    rt.store.save(rec);
  } catch (err) {
    rt.store.remove(id);
    throw err;
  }
  rt.containers.set(id, { rec, pendingStdin: [], exitWaiters: [], removeWaiters: [] });
  rt.emitEvent('create', rec);
  return structuredClone(rec);
}
