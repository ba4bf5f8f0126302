/** list, inspect, top, changes, stats. */
import type { Router } from '../../router';
import type { ContainersBackend } from './backend';

export function registerInspectRoutes(router: Router, b: ContainersBackend): void {
  router.get('/containers/json', async (ctx) => {
    ctx.sendJson(
      200,
      await b.list({
        all: ctx.query.bool('all'),
        limit: ctx.query.int('limit'),
        size: ctx.query.bool('size'),
        filters: ctx.query.filters(),
      }),
    );
  });

  router.get('/containers/{id}/json', async (ctx) => {
    ctx.sendJson(200, await b.inspect(ctx.params.id!, ctx.query.bool('size')));
  });

  router.get('/containers/{id}/top', async (ctx) => {
    ctx.sendJson(200, await b.top(ctx.params.id!, ctx.query.str('ps_args')));
  });

  router.get('/containers/{id}/changes', async (ctx) => {
    ctx.sendJson(200, await b.changes(ctx.params.id!));
  });

  router.get('/containers/{id}/stats', async (ctx) => {
    const stream = ctx.query.bool('stream', true);
    const oneShot = ctx.query.bool('one-shot');
    const samples = b.stats(ctx.params.id!, { stream, oneShot }, ctx.signal);
    const it = samples[Symbol.asyncIterator]();
    // The first sample resolves the container (a 404 must come before any header).
    const first = await it.next();
    const out = ctx.startStream(200, 'application/json');
    try {
      if (!first.done) out.write(JSON.stringify(first.value) + '\n');
      if (stream) {
        for (;;) {
          const n = await it.next();
          if (n.done || ctx.signal.aborted) break;
          out.write(JSON.stringify(n.value) + '\n');
        }
      }
    } finally {
      await it.return?.();
      if (!out.writableEnded) out.end();
    }
  });
}
