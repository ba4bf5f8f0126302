/** The fake engine's image and build endpoints (pull/push with progress, classic build output). */
import { extract } from 'tar-stream';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { bool, type Ctx, type MiniRouter } from './http';
import { hex, type World } from './state';

const line = (o: object): string => JSON.stringify(o) + '\r\n';

function progress(res: NodeJS.WritableStream, verb: 'Download' | 'Push', layers: string[], done: () => void): void {
  let step = 0;
  const total = 1000;
  const t = setInterval(() => {
    step += 1;
    for (const id of layers) {
      const current = Math.min(total, step * 250);
      res.write(
        line({ status: verb === 'Download' ? 'Downloading' : 'Pushing', progressDetail: { current, total }, id }),
      );
    }
    if (step >= 4) {
      clearInterval(t);
      for (const id of layers)
        res.write(line({ status: verb === 'Download' ? 'Pull complete' : 'Pushed', progressDetail: {}, id }));
      done();
    }
  }, 40);
}

async function tarFiles(buf: Buffer): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const body = buf[0] === 0x1f && buf[1] === 0x8b ? zlib.gunzipSync(buf) : buf;
  await new Promise<void>((resolve, reject) => {
    const ex = extract();
    ex.on('entry', (h, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        if (h.type === 'file') files.set(h.name.replace(/^\.\//, ''), Buffer.concat(chunks).toString('utf8'));
        next();
      });
      stream.resume();
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
    Readable.from([body]).pipe(ex);
  });
  return files;
}

export function imageRoutes(r: MiniRouter, w: World): void {
  r.on('GET', '/images/json', (ctx) =>
    ctx.json(
      200,
      [...w.images.values()].map((i) => ({
        Id: i.id,
        RepoTags: i.tags.length ? i.tags : ['<none>:<none>'],
        RepoDigests: [],
        Created: i.created,
        Size: i.size,
        Labels: i.labels,
        Containers: -1,
      })),
    ),
  );
  r.on('POST', '/images/create', (ctx) => {
    const from = ctx.query.get('fromImage') ?? '';
    const tag = ctx.query.get('tag') ?? 'latest';
    const auth = ctx.req.headers['x-registry-auth'];
    const res = ctx.stream('application/json');
    res.write(line({ status: `Pulling from ${from}`, id: tag }));
    if (/missing|nonexistent/.test(from)) {
      res.end(
        line({
          errorDetail: { message: `manifest for ${from}:${tag} not found: manifest unknown` },
          error: `manifest for ${from}:${tag} not found: manifest unknown`,
        }),
      );
      return;
    }
    if (/private/.test(from) && !auth) {
      res.end(
        line({
          errorDetail: { message: 'unauthorized: authentication required' },
          error: 'unauthorized: authentication required',
        }),
      );
      return;
    }
    const layers = [hex(12), hex(12)];
    for (const id of layers) res.write(line({ status: 'Pulling fs layer', progressDetail: {}, id }));
    progress(res, 'Download', layers, () => {
      const img = w.addImage(`${from}:${tag}`);
      res.write(line({ status: `Digest: sha256:${hex()}` }));
      res.end(line({ status: `Status: Downloaded newer image for ${from}:${tag}` }));
      w.emit('image', 'pull', `${from}:${tag}`, { name: img.tags[0]! });
    });
    ctx.req.on('close', () => undefined);
  });
  r.on('POST', '/images/{name*}/push', (ctx) => {
    const img = w.findImage(`${ctx.params.name}:${ctx.query.get('tag') ?? 'latest'}`);
    if (!img) return ctx.error(404, `An image does not exist locally with the tag: ${ctx.params.name}`);
    const res = ctx.stream('application/json');
    res.write(line({ status: `The push refers to repository [${ctx.params.name}]` }));
    const layers = [hex(12)];
    for (const id of layers) res.write(line({ status: 'Preparing', progressDetail: {}, id }));
    progress(res, 'Push', layers, () => {
      const digest = `sha256:${hex()}`;
      res.write(line({ status: `${ctx.query.get('tag') ?? 'latest'}: digest: ${digest} size: 527` }));
      res.end(line({ progressDetail: {}, aux: { Tag: ctx.query.get('tag') ?? 'latest', Digest: digest, Size: 527 } }));
    });
  });
  r.on('POST', '/images/{name*}/tag', (ctx) => {
    const img = w.findImage(ctx.params.name!);
    if (!img) return ctx.error(404, `No such image: ${ctx.params.name}`);
    img.tags.push(`${ctx.query.get('repo')}:${ctx.query.get('tag') || 'latest'}`);
    w.emit('image', 'tag', img.id, { name: img.tags.at(-1)! });
    ctx.status(201);
  });
  r.on('GET', '/images/{name*}/history', (ctx) => {
    const img = w.findImage(ctx.params.name!);
    if (!img) return ctx.error(404, `No such image: ${ctx.params.name}`);
    ctx.json(200, [
      {
        Id: img.id,
        Created: img.created,
        CreatedBy: '/bin/sh -c #(nop)  CMD ["sh"]',
        Tags: img.tags,
        Size: 0,
        Comment: '',
      },
      {
        Id: '<missing>',
        Created: img.created - 10,
        CreatedBy: '/bin/sh -c #(nop) ADD file:abc in / ',
        Tags: null,
        Size: img.size,
        Comment: '',
      },
    ]);
  });
  r.on('GET', '/images/{name*}/json', (ctx) => {
    const img = w.findImage(ctx.params.name!);
    if (!img) return ctx.error(404, `No such image: ${ctx.params.name}`);
    ctx.json(200, {
      Id: img.id,
      RepoTags: img.tags,
      RepoDigests: [],
      Created: new Date(img.created * 1000).toISOString(),
      Size: img.size,
      Architecture: 'amd64',
      Os: 'linux',
      Author: '',
      Config: { Cmd: ['sh'], Env: ['PATH=/usr/bin:/bin'], ExposedPorts: { '80/tcp': {} }, Labels: img.labels },
      RootFS: { Type: 'layers', Layers: [`sha256:${hex()}`] },
    });
  });
  r.on('DELETE', '/images/{name*}', (ctx) => {
    const img = w.findImage(ctx.params.name!);
    if (!img) return ctx.error(404, `No such image: ${ctx.params.name}`);
    const user = [...w.containers.values()].find((c) => c.imageId === img.id);
    if (user && !bool(ctx.query, 'force'))
      return ctx.error(
        409,
        `conflict: unable to remove repository reference "${ctx.params.name}" (must force) - container ${user.id.slice(0, 12)} is using its referenced image ${img.id.slice(7, 19)}`,
      );
    w.images.delete(img.id);
    w.emit('image', 'delete', img.id);
    ctx.json(200, [...img.tags.map((t) => ({ Untagged: t })), { Deleted: img.id }]);
  });
  r.on('POST', '/images/prune', (ctx) => {
    const used = new Set([...w.containers.values()].map((c) => c.imageId));
    const dangling = JSON.parse(ctx.query.get('filters') ?? '{}') as { dangling?: string[] };
    const onlyDangling = dangling.dangling?.[0] !== 'false';
    const gone = [...w.images.values()].filter((i) => !used.has(i.id) && (!onlyDangling || i.tags.length === 0));
    for (const i of gone) w.images.delete(i.id);
    ctx.json(200, {
      ImagesDeleted: gone.map((i) => ({ Deleted: i.id })),
      SpaceReclaimed: gone.reduce((n, i) => n + i.size, 0),
    });
  });
  r.on('POST', '/build', async (ctx: Ctx) => {
    const files = await tarFiles(await ctx.raw());
    w.lastBuildFiles = [...files.keys()].sort();
    const res = ctx.stream('application/json');
    const name = ctx.query.get('dockerfile') ?? 'Dockerfile';
    const df = files.get(name);
    if (df === undefined)
      return res.end(
        line({
          errorDetail: { message: `Cannot locate specified Dockerfile: ${name}` },
          error: `Cannot locate specified Dockerfile: ${name}`,
        }),
      );
    const steps = df
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const cached = !bool(ctx.query, 'nocache') && w.builtDockerfiles.has(df);
    let i = 0;
    const next = (): void => {
      if (i >= steps.length) {
        const tags = ctx.query.getAll('t');
        const img = w.addImage(tags[0] ?? `built-${hex(8)}`);
        for (const t of tags.slice(1)) img.tags.push(t.includes(':') ? t : `${t}:latest`);
        w.builtDockerfiles.add(df);
        res.write(line({ aux: { ID: img.id } }));
        res.write(line({ stream: `Successfully built ${img.id.slice(7, 19)}\n` }));
        for (const t of tags)
          res.write(line({ stream: `Successfully tagged ${t.includes(':') ? t : `${t}:latest`}\n` }));
        return void res.end();
      }
      const s = steps[i++]!;
      res.write(line({ stream: `Step ${i}/${steps.length} : ${s}\n` }));
      if (/^RUN false/.test(s))
        return void res.end(
          line({
            errorDetail: { message: "The command '/bin/sh -c false' returned a non-zero code: 1", code: 1 },
            error: "The command '/bin/sh -c false' returned a non-zero code: 1",
          }),
        );
      if (i > 1 && cached) res.write(line({ stream: ' ---> Using cache\n' }));
      else if (/^RUN /.test(s))
        res.write(line({ stream: ` ---> Running in ${hex(12)}\n` }) + line({ stream: `output of ${s.slice(4)}\n` }));
      res.write(line({ stream: ` ---> ${hex(12)}\n` }));
      setTimeout(next, 2);
    };
    next();
  });
}
