/**
 * `POST /containers/prune`: removes stopped containers (exited, created, dead) older than `until`
 * and matching the label filters; the space reclaimed is their writable layers' size.
 */
import path from 'node:path';
import type { Filters } from '../api/query';
import { checkFilterKeys } from '../api/query';
import { InvalidArgument } from '../errdefs';
import type { ServiceDeps } from './deps';
import { duBytes } from '../util/du';

export async function pruneContainers(
  d: ServiceDeps,
  filters: Filters,
): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }> {
  checkFilterKeys(filters, ['until', 'label', 'label!']);
  const until = filters.get('until')?.[0];
  const untilMs = until ? (/^\d+(\.\d+)?$/.test(until) ? Number(until) * 1000 : Date.parse(until)) : undefined;
  if (until && Number.isNaN(untilMs)) throw new InvalidArgument(`invalid filter 'until=${until}'`);
  const deleted: string[] = [];
  let reclaimed = 0;
  const has = (labels: Record<string, string>, l: string): boolean => {
    const eq = l.indexOf('=');
    return eq < 0 ? Object.hasOwn(labels, l) : labels[l.slice(0, eq)] === l.slice(eq + 1);
  };
  for (const rec of d.runtime.list(true)) {
    if (!['exited', 'created', 'dead'].includes(rec.state.status)) continue;
    if (untilMs !== undefined && Date.parse(rec.created) >= untilMs) continue;
    if (!(filters.get('label') ?? []).every((l) => has(rec.spec.labels, l))) continue;
    if ((filters.get('label!') ?? []).some((l) => has(rec.spec.labels, l))) continue;
    const size = await duBytes(path.join(d.runtime.dir(rec.id), 'rootfs', 'upper'));
    try {
      await d.runtime.remove(rec.id, { force: false });
      deleted.push(rec.id);
      reclaimed += size;
    } catch (err) {
      d.log.warn('prune: could not remove container', { id: rec.id, error: err });
    }
  }
  return { ContainersDeleted: deleted, SpaceReclaimed: reclaimed };
}
