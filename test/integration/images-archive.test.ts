/**
 * Archives across tools: skopeo's docker-archive and OCI-archive output loads into berthd;
 * berthd's save output is read by skopeo (as docker-archive and as OCI archive); save → load
 * round-trips image IDs; hostile or inconsistent archives are refused with nothing written
 * outside and no image created.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { request, startBerthd, type BerthdHandle } from '../support/berthd';
import { describeRoot } from '../support/env';
import { apiPull, apiStream } from '../support/image-tools';
import { sha256 } from '../support/oci-layout';
import { skopeo, skopeoCopy, skopeoInspect } from '../support/skopeo';
import { makeTar } from '../support/tar';

const reg = inject('fixtureRegistry');

describeRoot(
  'images: archives',
  () => {
    let d: BerthdHandle;
    let tmp: string;

    beforeAll(async () => {
      if (!reg) throw new Error('the fixture registry is not available');
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-archive-'));
      d = await startBerthd({ args: ['--insecure-registry', reg.host] });
    });
    afterAll(async () => {
      await d?.stop();
      d?.cleanup();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    const load = (file: string) =>
      apiStream(d.socket, 'POST', '/v1.43/images/load?quiet=1', {
        headers: { 'Content-Type': 'application/x-tar' },
        body: fs.createReadStream(file),
      });
    const idOf = async (name: string): Promise<string | undefined> => {
      const r = await request(d.socket, 'GET', `/v1.43/images/${name}/json`);
      return r.status === 200 ? (r.json() as { Id: string }).Id : undefined;
    };
    const imageCount = async (): Promise<number> =>
      ((await request(d.socket, 'GET', '/v1.43/images/json')).json() as unknown[]).length;

    it("loads skopeo's docker-archive output", async () => {
      const file = path.join(tmp, 'skopeo-docker.tar');
      await skopeoCopy(`docker://${reg!.images.multilayer}`, `docker-archive:${file}:berth/from-skopeo:v1`);
      const r = await load(file);
      expect(r.status).toBe(200);
      expect(r.lines).toEqual([{ stream: 'Loaded image: berth/from-skopeo:v1\n' }]);
      const cfg = (await skopeoInspect(`docker://${reg!.images.multilayer}`, { raw: true })) as {
        config: { digest: string };
      };
      expect(await idOf('berth/from-skopeo:v1')).toBe(cfg.config.digest);
    });

    it("loads skopeo's OCI archive output", async () => {
      const file = path.join(tmp, 'skopeo-oci.tar');
      await skopeoCopy(`docker://${reg!.images.busybox}`, `oci-archive:${file}:localhost/from-oci:v2`);
      const r = await load(file);
      expect(r.lines).toEqual([{ stream: 'Loaded image: localhost/from-oci:v2\n' }]);
      const cfg = (await skopeoInspect(`docker://${reg!.images.busybox}`, { raw: true })) as {
        config: { digest: string };
      };
      expect(await idOf('localhost/from-oci:v2')).toBe(cfg.config.digest);
    });

    it('writes archives skopeo reads, and save → load round-trips several images', async () => {
      expect((await apiPull(d.socket, reg!.images.busybox)).error).toBeUndefined();
      const names = ['berth/from-skopeo:v1', reg!.images.busybox];
      const ids = await Promise.all(names.map(idOf));
      const file = path.join(tmp, 'berth-save.tar');
      const q = names.map((n) => `names=${encodeURIComponent(n)}`).join('&');
      const res = await fetchTo(d.socket, `/v1.43/images/get?${q}`, file);
      expect(res.status).toBe(200);
      expect(res.contentType).toBe('application/x-tar');

      const viaDockerArchive = (await skopeoInspect(`docker-archive:${file}:berth/from-skopeo:v1`)) as {
        Layers: string[];
      };
      expect(viaDockerArchive.Layers).toHaveLength(3);
      const cfgOut = JSON.parse(
        await skopeo(['inspect', '--config', `docker-archive:${file}:berth/from-skopeo:v1`]),
      ) as {
        config: { WorkingDir: string };
      };
      expect(cfgOut.config.WorkingDir).toBe('/data');
      const ociOut = path.join(tmp, 'oci-from-save');
      await skopeoCopy(`oci-archive:${file}:v1`, `oci:${ociOut}:x`);
      const ociCfg = JSON.parse(await skopeo(['inspect', '--config', `oci:${ociOut}:x`])) as {
        rootfs: { diff_ids: string[] };
      };
      expect(ociCfg.rootfs.diff_ids).toHaveLength(3);

      for (const n of names) expect((await request(d.socket, 'DELETE', `/v1.43/images/${n}?force=1`)).status).toBe(200);
      expect(await idOf(names[0]!)).toBeUndefined();
      const r = await load(file);
      expect(r.lines.find((l) => l.error)).toBeUndefined();
      expect(r.lines.map((l) => l.stream).sort()).toEqual(
        [`Loaded image: berth/from-skopeo:v1\n`, `Loaded image: ${reg!.images.busybox}\n`].sort(),
      );
      expect(await Promise.all(names.map(idOf))).toEqual(ids);
    });

    it('refuses hostile and inconsistent archives, writing nothing outside', async () => {
      const outside = path.join(tmp, 'outside');
      fs.mkdirSync(outside, { recursive: true });
      const before = await imageCount();
      const cases: Array<[string, Buffer, RegExp]> = [
        ['dot-dot', await makeTar([{ name: `../../../../../../${outside}/evil`, content: 'x' }]), /"\.\." in its path/],
        ['absolute', await makeTar([{ name: `${outside}/evil`, content: 'x' }]), /absolute path/],
        [
          'config outside the archive',
          await makeTar([
            { name: 'manifest.json', content: JSON.stringify([{ Config: '../../../../etc/passwd', Layers: [] }]) },
          ]),
          /"\.\." in its path/,
        ],
        [
          'symlink out of the archive',
          await makeTar([
            { name: 'cfg', type: 'symlink', linkname: '/etc/hostname' },
            { name: 'manifest.json', content: JSON.stringify([{ Config: 'cfg', Layers: [] }]) },
          ]),
          /links outside the archive/,
        ],
        [
          'not an archive',
          Buffer.from('hello, this is no tar archive at all'.repeat(40)),
          /not a tar archive|checksum/,
        ],
        ['no manifest', await makeTar([{ name: 'random.txt', content: 'x' }]), /not an image archive/],
      ];
      const layer = await makeTar([{ name: 'f', content: 'layer' }]);
      const config = JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [`sha256:${sha256('something else')}`] },
      });
      cases.push([
        'layer not matching its diff ID',
        await makeTar([
          { name: 'c.json', content: config },
          { name: 'l.tar', content: layer },
          {
            name: 'manifest.json',
            content: JSON.stringify([{ Config: 'c.json', RepoTags: ['bad/diff:id'], Layers: ['l.tar'] }]),
          },
        ]),
        /does not match the image config/,
      ]);
      for (const [name, tar, msg] of cases) {
        const file = path.join(tmp, `hostile-${name.replace(/\W+/g, '-')}.tar`);
        fs.writeFileSync(file, tar);
        const r = await load(file);
        const err = r.lines.find((l) => l.error)?.error ?? '';
        expect(err, name).toMatch(msg);
        expect(fs.readdirSync(outside), name).toEqual([]);
      }
      expect(await imageCount()).toBe(before);
      expect(await idOf('bad/diff:id')).toBeUndefined();
      // Staging leaves nothing behind.
      expect(fs.readdirSync(path.join(d.dataRoot, 'image', 'tmp'))).toEqual([]);
    });
  },
  ['skopeo'],
);

async function fetchTo(
  socket: string,
  urlPath: string,
  file: string,
): Promise<{ status: number; contentType: string }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, path: urlPath, method: 'GET' }, (res) => {
      const out = fs.createWriteStream(file);
      res.pipe(out);
      out.on('finish', () =>
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']) }),
      );
      out.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
