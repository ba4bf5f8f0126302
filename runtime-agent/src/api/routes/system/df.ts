/**
 * GET /system/df: disk use of images, containers, volumes and the build cache, in the shape
 * `docker system df` (and -v) reads. `type` (API ≥ 1.42) limits the work to some kinds.
 */
import { InvalidArgument } from '../../../errdefs';
import type { Router } from '../../router';

export type DfKind = 'image' | 'container' | 'volume' | 'build-cache';

export interface DfBackend {
  layersSize(): Promise<number>;
  images(): Promise<Array<Record<string, unknown>>>;
  containers(): Promise<Array<Record<string, unknown>>>;
  volumes(): Promise<Array<Record<string, unknown>>>;
  buildCache(): Promise<Array<Record<string, unknown>>>;
}

const KINDS: DfKind[] = ['image', 'container', 'volume', 'build-cache'];

export function registerDfRoute(router: Router, b: DfBackend): void {
  router.get('/system/df', async (ctx) => {
    const types = ctx.query.all('type');
    for (const t of types) if (!KINDS.includes(t as DfKind)) throw new InvalidArgument(`unknown object type: ${t}`);
    const want = (k: DfKind): boolean => types.length === 0 || types.includes(k);
    const containers = want('container') || want('image') ? await b.containers() : [];
    const body: Record<string, unknown> = {};
    if (want('image')) {
      const uses = new Map<string, number>();
      for (const c of containers) uses.set(String(c.ImageID), (uses.get(String(c.ImageID)) ?? 0) + 1);
      body.LayersSize = await b.layersSize();
      body.Images = (await b.images()).map((i) => ({ ...i, Containers: uses.get(String(i.Id)) ?? 0 }));
    }
    if (want('container')) body.Containers = containers;
    if (want('volume')) body.Volumes = await b.volumes();
    if (want('build-cache')) body.BuildCache = await b.buildCache();
    ctx.sendJson(200, body);
  });
}
