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

/** Resolves when `s` drains, closes or errors, or `signal` aborts (the client went away). */
function waitDrain(s: Writable, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      s.off('drain', done);
      s.off('close', done);
      s.off('error', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    if (signal.aborted || s.destroyed) return resolve();
    s.on('drain', done);
    s.on('close', done);
    s.on('error', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

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
  // Set while the response's buffer is full: RUN output waits for it (see StepIO.backlog).
  let backlog: Promise<void> | undefined;
  const sink = (chunk: string): void => {
    stream ??= ctx.startStream(200, 'application/json');
    if (stream.writableEnded || stream.destroyed) return;
    if (!stream.write(chunk) && !backlog) backlog = waitDrain(stream, ctx.signal).finally(() => (backlog = undefined));
  };
  const out = new BuildOutput(sink, q.quiet, () => backlog);
  // A client that resets the connection while the response is backed up leaves a socket whose
  // buffered writes never flush: destroy it (the server's clientError handler does too), so the
  // response closes and the build is cancelled whatever error the socket reports.
  const socket = ctx.req.socket;
  const onSocketError = (): void => void socket.destroy();
  socket.on('error', onSocketError);
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
    socket.off('error', onSocketError);
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
