/**
 * The classic builder's routes: `POST /build` (context tar in, Docker's JSON message stream out,
 * cancelled when the client goes away) and `POST /build/prune`.
 */
import type { Writable } from 'node:stream';
import { BuildContext } from '../../../build/context/build-context';
import { runBuild, writeBuildError } from '../../../build/builder';
import type { BuildEngine } from '../../../build/engine/build-engine';
import { BuildOutput } from '../../../build/output';
import type { RouteContext } from '../../context';
import type { Router } from '../../router';
import { parseBuildQuery } from './query';
import { parseRegistryConfig } from './registry-config';

/** Context size limits: what the data root's disk allows is enforced by ENOSPC (ResourceExhausted). */
const MAX_CONTEXT_ENTRIES = 1_000_000;

async function build(engine: BuildEngine, ctx: RouteContext): Promise<void> {
  const q = parseBuildQuery(ctx.query);
  const header = ctx.req.headers['x-registry-config'];
  const credentials = parseRegistryConfig(Array.isArray(header) ? header[0] : header);
  const body = ctx.bodyStream() as AsyncIterable<Buffer>;
  const context = await BuildContext.fromTar(body, {
    ...(q.dockerfile ? { dockerfile: q.dockerfile } : {}),
    tmpDir: engine.tmpDir,
    limits: { maxEntries: MAX_CONTEXT_ENTRIES },
  });
  const backend = engine.backend(q.settings, credentials);
  let stream: Writable | undefined;
  const sink = (chunk: string): void => {
    stream ??= ctx.startStream(200, 'application/json');
    if (!stream.writableEnded && !stream.destroyed) stream.write(chunk);
  };
  const out = new BuildOutput(sink, q.quiet);
  try {
    await runBuild(
      {
        context,
        options: {
          ...(q.target ? { target: q.target } : {}),
          buildArgs: q.buildArgs,
          labels: q.labels,
          ...(q.platform ? { platform: q.platform } : {}),
        },
        tags: q.tags,
        noCache: q.noCache,
        pull: q.pull,
        removeContainers: q.rm || q.forceRm,
        signal: ctx.signal,
      },
      backend,
      out,
    );
  } catch (err) {
    if (!out.started) throw err;
    ctx.log.debug('build failed', { error: (err as Error).message });
    writeBuildError(out, err);
  } finally {
    await backend.dispose({ removeContainers: q.rm || q.forceRm || ctx.signal.aborted });
    await context.dispose();
    if (stream && !stream.writableEnded) stream.end();
  }
}

export function registerBuildRoutes(router: Router, engine: BuildEngine): void {
  router.post('/build', (ctx) => build(engine, ctx));
  router.post('/build/prune', async (ctx) => {
    const keep = ctx.query.int('keep-storage') ?? ctx.query.int('reserved-space') ?? 0;
    const report = await engine.prune({
      all: ctx.query.bool('all'),
      filters: ctx.query.filters(),
      keepStorage: keep,
    });
    ctx.sendJson(200, report);
  });
}
