/** The /system/df backend: what each module holds on disk. */
import path from 'node:path';
import { parseFilters } from '../api/query';
import type { DfBackend } from '../api/routes/system/df';
import { duBytes as du } from '../util/du';
import type { Daemon } from './daemon';

export function diskUsage(d: Daemon): DfBackend {
  const none = parseFilters(undefined);
  return {
    layersSize: () => du(path.join(d.dataRoot, 'image', 'layers')),
    images: async () =>
      d.images ? d.images.list({ filters: none, apiVersion: '1.43', sharedSize: true, all: true }) : [],
    containers: async () =>
      d.containers ? d.containers.list({ all: true, limit: undefined, size: true, filters: none }) : [],
    volumes: async () => {
      const store = d.volumes;
      if (!store) return [];
      const out: Array<Record<string, unknown>> = [];
      for (const v of store.list(none)) {
        const full = store.get(v.Name);
        out.push({ ...full, UsageData: { Size: await store.size(v.Name), RefCount: full.UsageData?.RefCount ?? 0 } });
      }
      return out;
    },
    buildCache: async () => d.buildCache?.() ?? [],
  };
}
