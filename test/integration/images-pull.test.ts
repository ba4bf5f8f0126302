/**
 * Pull through berthd's Engine API from the seeded registry: busybox (OCI and Docker schema 2)
 * runs from an overlay of its lower dirs; the multi-layer image shows whiteouts and opaque dirs
 * applied; the two-platform index picks the host's platform, and the other one on request.
 */
import fs from 'node:fs';
import Dockerode from 'dockerode';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { request, startBerthd, type BerthdHandle } from '../support/berthd';
import { describeRoot } from '../support/env';
import { apiPull, mountOverlay, publishImage, runInRoot } from '../support/image-tools';
import { skopeoInspect } from '../support/skopeo';

const reg = inject('fixtureRegistry');
const hostArch = process.arch === 'arm64' ? 'arm64' : 'amd64';

interface Inspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Architecture: string;
  Variant?: string;
  Config: { WorkingDir: string; Labels: Record<string, string> | null; Env: string[] };
  RootFS: { Layers: string[] };
  GraphDriver: { Data: { LowerDir: string } };
}

describeRoot(
  'images: pull',
  () => {
    let d: BerthdHandle;
    beforeAll(async () => {
      if (!reg) throw new Error('the fixture registry is not available');
      d = await startBerthd({ args: ['--insecure-registry', reg.host] });
    });
    afterAll(async () => {
      await d?.stop();
      d?.cleanup();
    });

    async function inspect(ref: string): Promise<Inspect> {
      const r = await request(d.socket, 'GET', `/v1.43/images/${ref}/json`);
      expect(r.status, r.body).toBe(200);
      return r.json() as Inspect;
    }

    it('pulls busybox (OCI manifest) with Docker progress and runs it from its lower dirs', async () => {
      const { lines, error } = await apiPull(d.socket, reg!.images.busybox);
      expect(error).toBeUndefined();
      const statuses = lines.map((l) => l.status);
      expect(lines[0]).toMatchObject({ status: 'Pulling from berth-test/busybox', id: 'latest' });
      expect(statuses).toContain('Pulling fs layer');
      expect(statuses).toContain('Download complete');
      expect(statuses).toContain('Pull complete');
      expect(statuses).toContain(`Digest: ${reg!.digests.busybox}`);
      expect(statuses.at(-1)).toBe(`Status: Downloaded newer image for ${reg!.images.busybox}`);
      const img = await inspect(reg!.images.busybox);
      const cfg = (await skopeoInspect(`docker://${reg!.images.busybox}`, { raw: true })) as {
        config: { digest: string };
      };
      expect(img.Id).toBe(cfg.config.digest);
      expect(img.RepoDigests).toEqual([`${reg!.images.busybox.replace(/:latest$/, '')}@${reg!.digests.busybox}`]);
      const lower = img.GraphDriver.Data.LowerDir.split(':');
      expect(lower).toHaveLength(1);
      const m = mountOverlay(lower);
      try {
        const r = runInRoot(m.dir, ['/bin/sh', '-c', 'echo hello from busybox; id -u; head -1 /etc/passwd']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe('hello from busybox\n0\nroot:x:0:0:root:/root:/bin/sh\n');
      } finally {
        m.umount();
      }
      const again = await apiPull(d.socket, reg!.images.busybox);
      expect(again.lines.map((l) => l.status)).toContain(`Status: Image is up to date for ${reg!.images.busybox}`);
    });

    it('pulls the Docker schema 2 copy: same image, the registry digest as RepoDigest', async () => {
      const { error } = await apiPull(d.socket, reg!.images.busyboxV2s2);
      expect(error).toBeUndefined();
      const raw = (await skopeoInspect(`docker://${reg!.images.busyboxV2s2}`, { raw: true })) as { mediaType: string };
      expect(raw.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
      const { Digest } = (await skopeoInspect(`docker://${reg!.images.busyboxV2s2}`)) as { Digest: string };
      const img = await inspect(reg!.images.busyboxV2s2);
      const oci = await inspect(reg!.images.busybox);
      expect(img.RootFS.Layers).toEqual(oci.RootFS.Layers);
      expect(img.RepoDigests).toContain(`${reg!.host}/berth-test/busybox@${Digest}`);
      // The layer is unpacked once and shared.
      expect(img.GraphDriver.Data.LowerDir).toBe(oci.GraphDriver.Data.LowerDir);
    });

    it('applies whiteouts and opaque dirs of the multi-layer image', async () => {
      const { lines, error } = await apiPull(d.socket, reg!.images.multilayer);
      expect(error).toBeUndefined();
      expect(lines.filter((l) => l.status === 'Already exists')).toHaveLength(1);
      const img = await inspect(reg!.images.multilayer);
      expect(img.Config.WorkingDir).toBe('/data');
      expect(img.Config.Labels).toEqual({ 'org.berth.test': 'multilayer' });
      const lower = img.GraphDriver.Data.LowerDir.split(':');
      expect(lower).toHaveLength(3);
      const m = mountOverlay(lower);
      try {
        const root = m.dir;
        expect(fs.existsSync(path.join(root, 'data/gone.txt'))).toBe(false);
        expect(fs.readFileSync(path.join(root, 'data/keep.txt'), 'utf8')).toBe('keep\n');
        expect(fs.readdirSync(path.join(root, 'data/dir'))).toEqual(['new.txt']);
        expect(fs.statSync(path.join(root, 'data/dir')).mode & 0o777).toBe(0o750);
        const owned = fs.statSync(path.join(root, 'data/owned.txt'));
        expect([owned.uid, owned.gid, owned.mode & 0o777]).toEqual([1000, 1000, 0o600]);
        expect(fs.statSync(path.join(root, 'data/hard.txt')).ino).toBe(
          fs.statSync(path.join(root, 'data/keep.txt')).ino,
        );
        expect(fs.readlinkSync(path.join(root, 'data/link'))).toBe('keep.txt');
        const r = runInRoot(root, [
          '/bin/sh',
          '-c',
          'ls -A /data/dir; cat /data/link; test ! -e /data/gone.txt && echo gone',
        ]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe('new.txt\nkeep\ngone\n');
      } finally {
        m.umount();
      }
    });

    it("picks the host's platform from the index, and the other one on request", async () => {
      const host = await apiPull(d.socket, reg!.images.multiarch);
      expect(host.error).toBeUndefined();
      let img = await inspect(reg!.images.multiarch);
      expect(img.Architecture).toBe(hostArch);
      expect(img.RepoDigests).toContain(`${reg!.host}/berth-test/multiarch@${reg!.digests.multiarch}`);
      let top = img.GraphDriver.Data.LowerDir.split(':')[0]!;
      expect(fs.readFileSync(path.join(top, 'etc/berth-platform'), 'utf8')).toBe(`linux/${hostArch}\n`);

      const other = hostArch === 'amd64' ? 'linux/arm64' : 'linux/amd64';
      const r = await apiPull(d.socket, reg!.images.multiarch, { platform: other });
      expect(r.error).toBeUndefined();
      img = await inspect(reg!.images.multiarch);
      expect(img.Architecture).toBe(other.split('/')[1]);
      top = img.GraphDriver.Data.LowerDir.split(':')[0]!;
      expect(fs.readFileSync(path.join(top, 'etc/berth-platform'), 'utf8')).toBe(`${other}\n`);

      const none = await apiPull(d.socket, reg!.images.multiarch, { platform: 'linux/s390x' });
      expect(none.error).toMatch(/no matching manifest for linux\/s390x.*available: linux\/amd64, linux\/arm64/);
    });

    it('pulls gzip, zstd and uncompressed layers', async () => {
      const ref = `${reg!.host}/berth-test/compressions:latest`;
      const pub = await publishImage(ref, [
        { entries: [{ name: 'gz.txt', content: 'gzip\n' }], compression: 'gzip' },
        { entries: [{ name: 'zst.txt', content: 'zstd\n'.repeat(1000) }], compression: 'zstd' },
        { entries: [{ name: 'plain.txt', content: 'plain\n' }], compression: 'none' },
      ]);
      expect(pub.layers.map((l) => l.mediaType)).toEqual([
        'application/vnd.oci.image.layer.v1.tar+gzip',
        'application/vnd.oci.image.layer.v1.tar+zstd',
        'application/vnd.oci.image.layer.v1.tar',
      ]);
      const { error } = await apiPull(d.socket, ref);
      expect(error).toBeUndefined();
      const img = await inspect(ref);
      expect(img.RootFS.Layers).toEqual(pub.diffIds);
      const m = mountOverlay(img.GraphDriver.Data.LowerDir.split(':'));
      try {
        expect(fs.readFileSync(path.join(m.dir, 'gz.txt'), 'utf8')).toBe('gzip\n');
        expect(fs.readFileSync(path.join(m.dir, 'zst.txt'), 'utf8')).toBe('zstd\n'.repeat(1000));
        expect(fs.readFileSync(path.join(m.dir, 'plain.txt'), 'utf8')).toBe('plain\n');
      } finally {
        m.umount();
      }
    });

    it('serves dockerode: pull with followProgress, then getImage().inspect()', async () => {
      const docker = new Dockerode({ socketPath: d.socket });
      const stream = await docker.pull(reg!.images.busybox);
      const events = await new Promise<Array<{ status?: string }>>((resolve, reject) =>
        docker.modem.followProgress(stream, (err: Error | null, out: Array<{ status?: string }>) =>
          err ? reject(err) : resolve(out),
        ),
      );
      expect(events.at(-1)?.status).toMatch(/^Status: (Image is up to date|Downloaded newer image) for /);
      const info = await docker.getImage(reg!.images.busybox).inspect();
      expect(info.RootFS.Layers).toHaveLength(1);
    });

    it('reports bad references and unknown tags clearly', async () => {
      const unknown = await apiPull(d.socket, `${reg!.host}/berth-test/busybox:no-such-tag`);
      expect(unknown.error).toMatch(/manifest for .*busybox:no-such-tag not found: manifest unknown/);
      const bad = await request(d.socket, 'POST', '/v1.43/images/create?fromImage=Bad%20Name&tag=latest');
      expect(bad.status).toBe(400);
      expect((bad.json() as { message: string }).message).toMatch(/invalid reference format/);
      const missing = await request(d.socket, 'GET', '/v1.43/images/nosuchimage/json');
      expect(missing.status).toBe(404);
      expect(missing.json()).toEqual({ message: 'No such image: nosuchimage:latest' });
    });
  },
  ['mount', 'unshare', 'chroot', 'skopeo', 'zstd'],
);
