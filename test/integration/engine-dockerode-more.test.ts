/**
 * The rest of the CLI suite's ground through dockerode (issue 5): update and rename of a live
 * container, files in and out (putArchive/getArchive, changes, export), a volume used by a
 * container, system df, commit, tag, push to the fixture registry, save/load and rmi.
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import Docker from 'dockerode';
import { extract, pack } from 'tar-stream';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startBerthd, type BerthdHandle } from '../support/berthd';
import { cleanAgent } from '../support/cli-agent';
import { describeIf } from '../support/env';
import { skopeoInspect } from '../support/skopeo';

async function readAll(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** name → { mode, text } of a tar stream's regular files. */
async function tarFiles(s: NodeJS.ReadableStream): Promise<Map<string, { mode: number; text: string }>> {
  const files = new Map<string, { mode: number; text: string }>();
  const x = extract();
  x.on('entry', (h, body, next) => {
    void readAll(body as unknown as NodeJS.ReadableStream).then((b) => {
      if (h.type === 'file') files.set(h.name, { mode: h.mode ?? 0, text: b.toString() });
      next();
    });
  });
  const done = new Promise<void>((resolve, reject) => {
    x.on('finish', () => resolve());
    x.on('error', reject);
  });
  (s as Readable).pipe(x as unknown as NodeJS.WritableStream);
  await done;
  return files;
}

function follow(docker: Docker, stream: NodeJS.ReadableStream): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: Array<Record<string, unknown>>) =>
      err ? reject(err) : resolve(out),
    ),
  );
}

describeIf(
  'Engine API with dockerode: files, volumes, images',
  { root: true, commands: ['docker-registry', 'skopeo'] },
  () => {
    let d: BerthdHandle;
    let docker: Docker;
    let img: string;
    let regHost: string;

    beforeAll(async () => {
      const reg = inject('fixtureRegistry')!;
      img = reg.images.busybox;
      regHost = reg.host;
      d = await startBerthd({ args: ['--insecure-registry', reg.host] });
      docker = new Docker({ socketPath: d.socket });
      await follow(docker, (await docker.pull(img)) as NodeJS.ReadableStream);
    });
    afterAll(async () => {
      if (d) {
        await cleanAgent(d);
        await d.stop();
        d.cleanup();
      }
    });

    it('updates limits and the restart policy of a running container, and renames it', async () => {
      const c = await docker.createContainer({ Image: img, name: 'dm-live', Cmd: ['sleep', '300'] });
      await c.start();
      await c.update({
        Memory: 64 << 20,
        MemorySwap: 128 << 20,
        RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 },
      });
      const info = await c.inspect();
      expect(info.HostConfig.Memory).toBe(64 << 20);
      expect(info.HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 2 });
      const e = await c.exec({ Cmd: ['cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes'], AttachStdout: true });
      const s = await e.start({ hijack: true, stdin: false });
      const out = new PassThrough();
      let text = '';
      out.on('data', (b: Buffer) => (text += b.toString()));
      docker.modem.demuxStream(s, out, new PassThrough());
      await new Promise((r) => s.on('end', r));
      expect(text.trim()).toBe(String(64 << 20));
      await c.rename({ name: 'dm-renamed' });
      expect((await c.inspect()).Name).toBe('/dm-renamed');
      const listed = await docker.listContainers({ filters: { name: ['dm-renamed'] } });
      expect(listed.map((x) => x.Id)).toEqual([c.id]);
    });

    it('copies files in and out with putArchive/getArchive, lists changes, exports the root', async () => {
      const c = docker.getContainer('dm-renamed');
      const p = pack();
      p.entry({ name: 'in.txt', mode: 0o640 }, 'from dockerode\n');
      p.entry({ name: 'sub/deep.txt', mode: 0o600 }, 'deeper\n');
      p.finalize();
      await c.putArchive(p as unknown as NodeJS.ReadableStream, { path: '/tmp' });
      const got = await tarFiles(await c.getArchive({ path: '/tmp/in.txt' }));
      expect(got.get('in.txt')).toEqual({ mode: 0o640, text: 'from dockerode\n' });
      const dir = await tarFiles(await c.getArchive({ path: '/tmp/sub' }));
      expect(dir.get('sub/deep.txt')?.text).toBe('deeper\n');
      const missing = (await c.getArchive({ path: '/nope' }).catch((e: unknown) => e)) as { statusCode: number };
      expect(missing.statusCode).toBe(404);
      // infoArchive (HEAD): the path's stat in X-Docker-Container-Path-Stat, as docker cp reads it.
      const info = (await c.infoArchive({ path: '/tmp/in.txt' })) as unknown as IncomingMessage;
      info.resume();
      const stat = JSON.parse(
        Buffer.from(String(info.headers['x-docker-container-path-stat']), 'base64').toString('utf8'),
      ) as { name: string; size: number; mode: number; linkTarget: string };
      expect(stat).toMatchObject({ name: 'in.txt', size: 15, mode: 0o640, linkTarget: '' });
      const noInfo = (await c.infoArchive({ path: '/nope' }).catch((e: unknown) => e)) as { statusCode: number };
      expect(noInfo.statusCode).toBe(404);
      const changes = await c.changes();
      expect(changes).toEqual(
        expect.arrayContaining([
          { Path: '/tmp/in.txt', Kind: 1 },
          { Path: '/tmp/sub', Kind: 1 },
        ]),
      );
      const exported = await tarFiles(await c.export());
      expect(exported.get('tmp/in.txt')?.text).toBe('from dockerode\n');
      expect(exported.has('bin/busybox')).toBe(true);
    });

    it('keeps a volume a container uses, then removes it; system df counts it', async () => {
      await docker.createVolume({ Name: 'dm-vol', Labels: { suite: 'dockerode' } });
      const writer = await docker.createContainer({
        Image: img,
        name: 'dm-writer',
        Cmd: ['sh', '-c', 'echo kept > /data/f'],
        HostConfig: { Binds: ['dm-vol:/data'] },
      });
      await writer.start();
      expect(await writer.wait()).toMatchObject({ StatusCode: 0 });
      const list = await docker.listVolumes({ filters: { label: ['suite=dockerode'] } });
      expect(list.Volumes.map((v) => v.Name)).toEqual(['dm-vol']);
      const inUse = (await docker
        .getVolume('dm-vol')
        .remove()
        .catch((e: unknown) => e)) as { statusCode: number; json: { message: string } };
      expect(inUse.statusCode).toBe(409);
      expect(inUse.json.message).toMatch(/volume is in use/);
      const df = (await docker.df()) as { Volumes: Array<{ Name: string; UsageData: { RefCount: number } }> };
      expect(df.Volumes.find((v) => v.Name === 'dm-vol')?.UsageData.RefCount).toBe(1);
      await writer.remove();
      await docker.getVolume('dm-vol').remove();
      expect((await docker.listVolumes()).Volumes).toEqual([]);
    });

    it('commits, tags, pushes to the registry, saves, removes and loads an image', async () => {
      const c = await docker.createContainer({
        Image: img,
        name: 'dm-mod',
        Cmd: ['sh', '-c', 'echo changed > /changed.txt'],
      });
      await c.start();
      await c.wait();
      const committed = (await c.commit({
        repo: 'berth-test/dm',
        tag: '1',
        changes: 'CMD ["cat", "/changed.txt"]',
      })) as {
        Id: string;
      };
      expect(committed.Id).toMatch(/^sha256:[0-9a-f]{64}$/);
      const target = `${regHost}/pushed/dm`;
      await docker.getImage('berth-test/dm:1').tag({ repo: target, tag: 'dockerode' });
      const pushed = await follow(
        docker,
        (await docker.getImage(`${target}:dockerode`).push({})) as NodeJS.ReadableStream,
      );
      expect(pushed.some((p) => typeof p.status === 'string' && /digest: sha256:/.test(p.status))).toBe(true);
      expect(pushed.some((p) => p.error !== undefined)).toBe(false);
      const remote = (await skopeoInspect(`docker://${target}:dockerode`)) as { Layers: string[] };
      expect(remote.Layers).toHaveLength(2);

      const saved = await readAll(await docker.getImage('berth-test/dm:1').get());
      expect(saved.length).toBeGreaterThan(1024);
      await c.remove();
      const removed = await docker.getImage('berth-test/dm:1').remove();
      expect(removed).toEqual(expect.arrayContaining([{ Untagged: 'berth-test/dm:1' }]));
      await docker.getImage(`${target}:dockerode`).remove();
      const gone = (await docker
        .getImage('berth-test/dm:1')
        .inspect()
        .catch((e: unknown) => e)) as { statusCode: number };
      expect(gone.statusCode).toBe(404);

      const loadOut = (await readAll(await docker.loadImage(PassThrough.from(saved)))).toString();
      expect(loadOut).toMatch(/Loaded image: berth-test\/dm:1/);
      const run = await docker.createContainer({ Image: 'berth-test/dm:1' });
      await run.start();
      await run.wait();
      const logs = await run.logs({ stdout: true, follow: false });
      expect(logs.subarray(8).toString()).toBe('changed\n');
      await run.remove();
    });
  },
);
