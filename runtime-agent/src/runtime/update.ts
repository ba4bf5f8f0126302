/**
 * `docker update` and `docker rename` on existing containers: new cgroup limits applied to a
 * live container at once (and kept for its next start), a new restart policy, a new name.
 */
import { Conflict } from '../errdefs';
import type { CgroupResources } from '../cgroups/manager';
import { validateName } from './names';
import { validateRestartPolicy, type RestartPolicy } from './restart';
import type { ContainerRuntime } from './runtime';

export interface UpdateRequest {
  resources?: CgroupResources;
  restartPolicy?: RestartPolicy;
}

export function updateContainer(rt: ContainerRuntime, ref: string, u: UpdateRequest): void {
  const c = rt.get(ref);
  const rec = c.rec;
  if (u.resources) {
    const merged: CgroupResources = { ...rec.spec.resources };
    for (const [k, v] of Object.entries(u.resources) as Array<[keyof CgroupResources, unknown]>) {
      if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
    }
    rt.cgroups.validate(merged);
    const live = rec.state.status === 'running' || rec.state.status === 'paused';
    if (live) rt.cgroupOf(c).update(merged);
    rec.spec.resources = merged;
  }
  if (u.restartPolicy) {
    if (rec.spec.autoRemove && u.restartPolicy.name !== 'no') {
      throw new Conflict('Restart policy cannot be updated because AutoRemove is enabled for the container');
    }
    rec.spec.restartPolicy = validateRestartPolicy(u.restartPolicy, rec.spec.autoRemove);
  }
  rt.store.save(rec);
}

export function renameContainer(rt: ContainerRuntime, ref: string, name: string): { oldName: string } {
  const c = rt.get(ref);
  const next = validateName(name);
  const oldName = c.rec.name;
  if (next === oldName) throw new Conflict(`Renaming a container with the same name as its current name`);
  for (const other of rt.containers.values()) {
    if (other.rec.name === next) {
      throw new Conflict(
        `Conflict. The container name "/${next}" is already in use by container "${other.rec.id}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
  }
  c.rec.name = next;
  rt.store.save(c.rec);
  rt.emitEvent('rename', c.rec, { oldName: `/${oldName}` });
  return { oldName };
}
