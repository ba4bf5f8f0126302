/** create, start, stop, restart, kill, pause, unpause, wait, remove, rename, update, resize, prune. */
import { InvalidArgument } from '../../../errdefs';
import { parseCreateRequest } from '../../../containers/create-request';
import type { RouteContext } from '../../context';
import type { Router } from '../../router';
import type { ContainersBackend, WaitCondition } from './backend';

const CONDITIONS: WaitCondition[] = ['not-running', 'next-exit', 'removed'];

export function registerLifecycleRoutes(router: Router, b: ContainersBackend): void {
  router.post('/containers/create', async (ctx) => {
    const body = await ctx.json();
    const req = parseCreateRequest(body ?? {}, ctx.query.str('name'), ctx.query.str('platform'));
    ctx.sendJson(201, await b.create(req));
  });

  router.post('/containers/prune', async (ctx) => {
    ctx.sendJson(200, await b.prune(ctx.query.filters()));
  });

  router.post('/containers/{id}/start', async (ctx) => {
    await b.start(ctx.params.id!);
    ctx.sendStatus(204);
  });

  const stopOpts = (ctx: RouteContext): { timeoutSec: number | undefined; signal: string | undefined } => ({
    timeoutSec: ctx.query.int('t'),
    signal: ctx.query.str('signal') || undefined,
  });

  router.post('/containers/{id}/stop', async (ctx) => {
    await b.stop(ctx.params.id!, stopOpts(ctx));
    ctx.sendStatus(204);
  });

  router.post('/containers/{id}/restart', async (ctx) => {
    await b.restart(ctx.params.id!, stopOpts(ctx));
    ctx.sendStatus(204);
  });

  router.post('/containers/{id}/kill', async (ctx) => {
    await b.kill(ctx.params.id!, ctx.query.str('signal') || undefined);
    ctx.sendStatus(204);
  });

  router.post('/containers/{id}/pause', async (ctx) => {
    await b.pause(ctx.params.id!);
    ctx.sendStatus(204);
  });

  router.post('/containers/{id}/unpause', async (ctx) => {
    await b.unpause(ctx.params.id!);
    ctx.sendStatus(204);
  });

  router.post('/containers/{id}/wait', async (ctx) => {
    const condition = (ctx.query.str('condition') || 'not-running') as WaitCondition;
    if (!CONDITIONS.includes(condition)) throw new InvalidArgument(`invalid condition: "${condition}"`);
    const waiter = await b.wait(ctx.params.id!, condition, ctx.signal);
    // `docker run` calls /start only after these headers arrive: send them now.
    const out = ctx.startStream(200, 'application/json');
    try {
      const result = await waiter();
      out.end(JSON.stringify(result) + '\n');
    } catch (err) {
      if (ctx.signal.aborted) return;
      out.end(JSON.stringify({ StatusCode: -1, Error: { Message: (err as Error).message } }) + '\n');
    }
  });

  router.delete('/containers/{id}', async (ctx) => {
    await b.remove(ctx.params.id!, { force: ctx.query.bool('force'), volumes: ctx.query.bool('v') });
    ctx.sendStatus(204);
  });

  router.post('/containers/{id}/rename', async (ctx) => {
    const name = ctx.query.str('name');
    if (!name) throw new InvalidArgument('Neither old nor new names may be empty');
    await b.rename(ctx.params.id!, name);
    ctx.sendStatus(204);
  });

  router.post('/containers/{id}/update', async (ctx) => {
    const body = await ctx.json();
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
      throw new InvalidArgument('invalid update request: want a JSON object');
    }
    ctx.sendJson(200, await b.update(ctx.params.id!, (body ?? {}) as Record<string, unknown>));
  });

  router.post('/containers/{id}/resize', async (ctx) => {
    const h = ctx.query.int('h') ?? 0;
    const w = ctx.query.int('w') ?? 0;
    if (h < 0 || w < 0) throw new InvalidArgument('invalid terminal size');
    await b.resize(ctx.params.id!, h, w);
    ctx.sendStatus(200);
  });
}
