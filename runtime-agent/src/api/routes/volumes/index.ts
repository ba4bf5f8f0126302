/** Volume routes: /volumes, /volumes/create, /volumes/{name}, /volumes/prune. */
import { InvalidArgument } from '../../../errdefs';
import type { VolumeCreateRequest } from '../../../volumes/types';
import type { Router } from '../../router';
import type { VolumesBackend } from './backend';

export type { VolumesBackend } from './backend';

function isStringMap(v: unknown): v is Record<string, string> {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')
  );
}

export function parseCreate(body: unknown): VolumeCreateRequest {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new InvalidArgument('invalid volume create request: want a JSON object');
  const b = body as Record<string, unknown>;
  const req: VolumeCreateRequest = {};
  for (const k of ['Name', 'Driver'] as const) {
    if (b[k] === undefined || b[k] === null) continue;
    if (typeof b[k] !== 'string') throw new InvalidArgument(`invalid volume create request: ${k} must be a string`);
    req[k] = b[k];
  }
  for (const k of ['DriverOpts', 'Labels'] as const) {
    if (b[k] === undefined || b[k] === null) continue;
    if (!isStringMap(b[k]))
      throw new InvalidArgument(`invalid volume create request: ${k} must map strings to strings`);
    req[k] = b[k];
  }
  return req;
}

export function registerVolumeRoutes(router: Router, backend: VolumesBackend): void {
  router.get('/volumes', (ctx) => {
    ctx.sendJson(200, { Volumes: backend.list(ctx.query.filters()), Warnings: null });
  });
  router.post('/volumes/create', async (ctx) => {
    const v = backend.create(parseCreate(await ctx.json()));
    ctx.sendJson(201, v);
  });
  router.post('/volumes/prune', async (ctx) => {
    ctx.sendJson(200, await backend.prune(ctx.query.filters()));
  });
  router.get('/volumes/{name}', (ctx) => {
    ctx.sendJson(200, backend.get(ctx.params.name!));
  });
  router.delete('/volumes/{name}', (ctx) => {
    backend.remove(ctx.params.name!, ctx.query.bool('force'));
    ctx.sendStatus(204);
  });
}
