/**
 * Image routes of the Engine API: create (pull or import), list, inspect, history, tag, remove,
 * prune, push, get (save), load, distribution inspect and commit. Long operations stream Docker's
 * JSON progress with the headers sent at once (stream.ts).
 */
import { pipeline } from 'node:stream/promises';
import { InvalidArgument, NotImplemented } from '../../../errdefs';
import { decodeRegistryAuth } from '../../../images/auth';
import { parsePlatform } from '../../../images/platform';
import { parseReference } from '../../../images/reference';
import type { Router } from '../../router';
import type { RouteContext } from '../../context';
import type { ImagesBackend } from './backend';
import { jsonStream } from './stream';

export type { ImagesBackend } from './backend';

function platformOf(ctx: RouteContext): ReturnType<typeof parsePlatform> | undefined {
  const p = ctx.query.str('platform');
  return p ? parsePlatform(p) : undefined;
}

function credentials(ctx: RouteContext): ReturnType<typeof decodeRegistryAuth> {
  const h = ctx.req.headers['x-registry-auth'];
  return decodeRegistryAuth(Array.isArray(h) ? h[0] : h);
}

/** fromImage + tag as moby combines them: the tag parameter may also be a digest. */
export function pullTarget(fromImage: string, tag: string | undefined): { name: string; allTags: boolean } {
  const ref = parseReference(fromImage);
  if (!tag) return { name: fromImage, allTags: !ref.tag && !ref.digest };
  const base = fromImage.replace(/@.*$/, '').replace(/:[^/:]+$/, (m) => (ref.tag ? '' : m));
  const name = /^[a-z0-9]+:[a-f0-9]{32,}$/i.test(tag) ? `${base}@${tag}` : `${base}:${tag}`;
  parseReference(name);
  return { name, allTags: false };
}

async function createImage(b: ImagesBackend, ctx: RouteContext): Promise<void> {
  const fromImage = ctx.query.str('fromImage');
  const fromSrc = ctx.query.str('fromSrc');
  if (fromSrc !== undefined && fromSrc !== '') {
    const platform = platformOf(ctx);
    const opts = {
      repo: ctx.query.str('repo') || undefined,
      tag: ctx.query.str('tag') || undefined,
      changes: ctx.query.all('changes').filter((c) => c.trim() !== ''),
      message: ctx.query.str('message') || undefined,
      platform,
    };
    if (opts.repo) parseReference(opts.repo);
    let source: NodeJS.ReadableStream | URL;
    if (fromSrc === '-') source = ctx.bodyStream();
    else {
      try {
        source = new URL(fromSrc);
      } catch {
        throw new InvalidArgument(`invalid fromSrc "${fromSrc}": want "-" (request body) or an http(s) URL`);
      }
      if (source.protocol !== 'http:' && source.protocol !== 'https:') {
        throw new InvalidArgument(`invalid fromSrc "${fromSrc}": only http and https URLs can be imported`);
      }
    }
    const s = jsonStream(ctx);
    await s.run(async () => {
      const id = await b.importImage(source, { ...opts, onProgress: s.progress });
      s.send({ status: id });
    });
    return;
  }
  if (!fromImage) throw new InvalidArgument('either fromImage or fromSrc is required');
  const { name, allTags } = pullTarget(fromImage, ctx.query.str('tag'));
  const platform = platformOf(ctx);
  const creds = credentials(ctx);
  const s = jsonStream(ctx);
  await s.run(async () => {
    await b.pull(name, {
      ...(platform ? { platform } : {}),
      ...(creds ? { credentials: creds } : {}),
      signal: ctx.signal,
      onProgress: s.progress,
      allTags,
    });
  });
}

export function registerImageRoutes(router: Router, b: ImagesBackend): void {
  router.post('/images/create', (ctx) => createImage(b, ctx));

  router.get('/images/json', async (ctx) => {
    const list = await b.list({
      filters: ctx.query.filters(),
      apiVersion: ctx.apiVersion,
      sharedSize: ctx.query.bool('shared-size'),
      all: ctx.query.bool('all'),
    });
    ctx.sendJson(200, list);
  });

  router.get('/images/search', () => {
    throw new NotImplemented('image search needs the Docker Hub index, which berthd does not query');
  });

  router.get('/images/get', async (ctx) => {
    const names = ctx.query.all('names').filter(Boolean);
    if (names.length === 0) throw new InvalidArgument('no image names given (names=…)');
    const tar = await b.save(names, { platform: platformOf(ctx) });
    const out = ctx.startStream(200, 'application/x-tar');
    await pipeline(tar, out as NodeJS.WritableStream);
  });

  router.post('/images/load', async (ctx) => {
    const quiet = ctx.query.bool('quiet');
    const s = jsonStream(ctx);
    await s.run(async () => {
      const r = await b.load(ctx.bodyStream(), { onProgress: quiet ? undefined : s.progress });
      for (const t of r.tags) s.send({ stream: `Loaded image: ${t}\n` });
      for (const id of r.ids) s.send({ stream: `Loaded image ID: ${id}\n` });
    });
  });

  router.post('/images/prune', async (ctx) => {
    ctx.sendJson(200, await b.prune(ctx.query.filters()));
  });

  router.get('/images/{name*}/json', async (ctx) => {
    ctx.sendJson(200, await b.inspect(ctx.params.name!, ctx.apiVersion));
  });

  router.get('/images/{name*}/history', async (ctx) => {
    ctx.sendJson(200, await b.history(ctx.params.name!));
  });

  router.get('/images/{name*}/get', async (ctx) => {
    const tar = await b.save([ctx.params.name!], { platform: platformOf(ctx) });
    const out = ctx.startStream(200, 'application/x-tar');
    await pipeline(tar, out as NodeJS.WritableStream);
  });

  router.post('/images/{name*}/tag', async (ctx) => {
    const repo = ctx.query.str('repo');
    if (!repo) throw new InvalidArgument('repository name (repo=…) is required');
    await b.tag(ctx.params.name!, repo, ctx.query.str('tag') || undefined);
    ctx.sendStatus(201);
  });

  router.post('/images/{name*}/push', async (ctx) => {
    const name = ctx.params.name!;
    parseReference(name);
    const creds = credentials(ctx);
    const s = jsonStream(ctx);
    await s.run(() =>
      b.push(name, ctx.query.str('tag') || undefined, {
        ...(creds ? { credentials: creds } : {}),
        signal: ctx.signal,
        onProgress: s.progress,
      }),
    );
  });

  router.delete('/images/{name*}', async (ctx) => {
    const items = await b.remove(ctx.params.name!, {
      force: ctx.query.bool('force'),
      noprune: ctx.query.bool('noprune'),
    });
    ctx.sendJson(200, items);
  });

  router.get('/distribution/{name*}/json', async (ctx) => {
    ctx.sendJson(200, await b.distribution(ctx.params.name!, credentials(ctx)));
  });

  router.post('/commit', async (ctx) => {
    const container = ctx.query.str('container');
    if (!container) throw new InvalidArgument('container is required (container=…)');
    const config = await ctx.json<Record<string, unknown>>();
    if (config !== undefined && (typeof config !== 'object' || config === null || Array.isArray(config))) {
      throw new InvalidArgument('the commit body must be a container config object');
    }
    const repo = ctx.query.str('repo') || undefined;
    if (repo) parseReference(repo);
    const id = await b.commitContainer({
      container,
      repo,
      tag: ctx.query.str('tag') || undefined,
      comment: ctx.query.str('comment') || undefined,
      author: ctx.query.str('author') || undefined,
      pause: ctx.query.bool('pause', true),
      changes: ctx.query.all('changes').filter((c) => c.trim() !== ''),
      config,
    });
    ctx.sendJson(201, { Id: id });
  });
}
