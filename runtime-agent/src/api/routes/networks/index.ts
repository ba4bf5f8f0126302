/**
 * /networks routes in the Docker Engine API's shape: list (filters), inspect, create, delete,
 * prune, connect, disconnect. Validation of bodies happens here; the work in the backend.
 */
import { InvalidArgument, NotFound } from '../../../errdefs';
import type { Router } from '../../router';
import type { EndpointConfigBody, NetworkCreateBody, NetworksBackend } from './backend';
import { filterNetworks, pruneCriteria } from './filters';

export type { NetworksBackend } from './backend';

function objectBody<T>(body: unknown, what: string): T {
  if (body === undefined || body === null) return {} as T;
  if (typeof body !== 'object' || Array.isArray(body)) throw new InvalidArgument(`invalid ${what}: want a JSON object`);
  return body as T;
}

function containerOf(body: { Container?: unknown }): string {
  if (typeof body.Container !== 'string' || body.Container === '')
    throw new InvalidArgument('no container given (the body needs "Container")');
  return body.Container;
}

export function registerNetworkRoutes(router: Router, backend: NetworksBackend): void {
  router.get('/networks', (ctx) => {
    const list = filterNetworks(backend.list(), ctx.query.filters());
    ctx.sendJson(
      200,
      list.map((e) => e.network),
    );
  });

  router.post('/networks/create', async (ctx) => {
    const body = objectBody<NetworkCreateBody>(await ctx.json(), 'network create request');
    ctx.sendJson(201, await backend.create(body));
  });

  router.post('/networks/prune', async (ctx) => {
    const deleted = await backend.prune(pruneCriteria(ctx.query.filters()));
    ctx.sendJson(200, { NetworksDeleted: deleted });
  });

  router.get('/networks/{id}', (ctx) => {
    const scope = ctx.query.str('scope');
    const n = backend.inspect(ctx.params.id!);
    if (scope && scope !== n.Scope) throw new NotFound(`network ${ctx.params.id} not found`);
    ctx.sendJson(200, n);
  });

  router.delete('/networks/{id}', async (ctx) => {
    await backend.remove(ctx.params.id!);
    ctx.sendStatus(204);
  });

  router.post('/networks/{id}/connect', async (ctx) => {
    const body = objectBody<{ Container?: unknown; EndpointConfig?: EndpointConfigBody | null }>(
      await ctx.json(),
      'connect request',
    );
    await backend.connect(ctx.params.id!, containerOf(body), body.EndpointConfig ?? {});
    ctx.sendStatus(200);
  });

  router.post('/networks/{id}/disconnect', async (ctx) => {
    const body = objectBody<{ Container?: unknown; Force?: unknown }>(await ctx.json(), 'disconnect request');
    await backend.disconnect(ctx.params.id!, containerOf(body), body.Force === true);
    ctx.sendStatus(200);
  });
}
