/**
 * Commit, export and import through the images module itself (the containers API comes later):
 * changes made in a real overlayfs mount (new, changed and deleted files, a replaced directory)
 * are committed from its upper dir into a layer whose whiteouts and opaque dir hide the lower
 * layers again when mounted; export writes a root file system as a tar without following links;
 * import turns that tar back into a runnable one-layer image.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createLogger } from '../../runtime-agent/src/daemon/logger';
import { ImageService } from '../../runtime-agent/src/images/image-service';
import { lgetxattr } from '../../runtime-agent/src/sys/fsnodes';
import type { Digest } from '../../runtime-agent/src/images/digest';
import { describeRoot } from '../support/env';
import { mountOverlay, runInRoot } from '../support/image-tools';
import { startRegistryProxy } from '../support/registry-proxy';
import { skopeoCopy } from '../support/skopeo';

const reg = inject('fixtureRegistry');

describeRoot(
  'images: commit, export, import',
  () => {
    let tmp: string;
    let svc: ImageService;
    let baseId: Digest;
    let upper: string;
    let merged: string;
    const events: Array<{ action: string; id: string; name: string }> = [];

    beforeAll(async () => {
      if (!reg) throw new Error('the fixture registry is not available');
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-commit-'));
      svc = new ImageService({
        root: path.join(tmp, 'image'),
        log: createLogger('error'),
        insecureRegistries: [reg.host],
        uploadChunkBytes: 64 * 1024,
      });
      svc.init();
      svc.setEventSink((action, id, attrs) => events.push({ action, id, name: attrs.name ?? '' }));
      const [r] = await svc.pull(reg.images.busybox);
      baseId = r!.image.id;
      upper = path.join(tmp, 'upper');
      merged = path.join(tmp, 'merged');
      for (const dir of [upper, merged, path.join(tmp, 'work')]) fs.mkdirSync(dir);
      const lower = svc.lowerDirs(baseId).join(':');
      execFileSync('mount', [
        '-t',
        'overlay',
        'overlay',
        '-o',
        `lowerdir=${lower},upperdir=${upper},workdir=${path.join(tmp, 'work')}`,
        merged,
      ]);
      // What a container would do.
      fs.writeFileSync(path.join(merged, 'new.txt'), 'committed\n');
      fs.appendFileSync(path.join(merged, 'etc/passwd'), 'extra:x:2000:2000::/:/bin/false\n');
      fs.rmSync(path.join(merged, 'etc/group'));
      // A directory replaced: overlayfs marks the new one opaque in the upper dir.
      expect(fs.readdirSync(path.join(merged, 'usr/sbin')).length).toBeGreaterThan(3);
      fs.rmSync(path.join(merged, 'usr/sbin'), { recursive: true });
      fs.mkdirSync(path.join(merged, 'usr/sbin'));
      fs.writeFileSync(path.join(merged, 'usr/sbin/only.txt'), 'only\n');
      fs.mkdirSync(path.join(merged, 'opt/tool'), { recursive: true });
      fs.writeFileSync(path.join(merged, 'opt/tool/run'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
      fs.chownSync(path.join(merged, 'opt/tool/run'), 1000, 1000);
      fs.linkSync(path.join(merged, 'opt/tool/run'), path.join(merged, 'opt/tool/run2'));
      fs.symlinkSync('/etc', path.join(merged, 'escape'));
      fs.writeFileSync(path.join(merged, 'random.bin'), crypto.randomBytes(300_000));
    });
    afterAll(async () => {
      spawnSync('umount', [merged]);
      await svc?.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('commits an overlay upper dir into a layer that hides what was deleted', async () => {
      // The upper dir holds overlayfs' own whiteout and opaque marker.
      expect(fs.lstatSync(path.join(upper, 'etc/group')).isCharacterDevice()).toBe(true);
      expect(lgetxattr(path.join(upper, 'usr/sbin'), 'trusted.overlay.opaque')?.toString()).toBe('y');
      const id = await svc.commit({
        upperDir: upper,
        parentImageId: baseId,
        changes: ['CMD ["/bin/sh", "-c", "cat /new.txt"]', 'ENV COMMITTED=yes', 'LABEL stage=test'],
        comment: 'first commit',
        author: 'Berth Test',
        containerId: 'c0ffee',
        repo: 'committed/img',
        tag: 'v1',
      });
      const { record, config } = await svc.resolve('committed/img:v1');
      expect(record.id).toBe(id);
      expect(events).toContainEqual({
        action: 'pull',
        id: reg!.images.busybox,
        name: reg!.images.busybox.replace(/:latest$/, ''),
      });
      expect(events).toContainEqual({ action: 'tag', id, name: 'committed/img:v1' });
      expect(record.parent).toBe(baseId);
      expect(config.rootfs.diff_ids).toHaveLength(2);
      expect(config.config?.Cmd).toEqual(['/bin/sh', '-c', 'cat /new.txt']);
      expect(config.config?.Env).toContain('COMMITTED=yes');
      expect(config.config?.Labels).toEqual({ stage: 'test' });
      const hist = await svc.history('committed/img:v1');
      expect(hist[0]).toMatchObject({ Id: id, Comment: 'first commit', Tags: ['committed/img:v1'] });
      const m = mountOverlay(svc.lowerDirs(id));
      try {
        const root = m.dir;
        expect(fs.existsSync(path.join(root, 'etc/group'))).toBe(false);
        expect(fs.readFileSync(path.join(root, 'etc/passwd'), 'utf8')).toMatch(/extra:x:2000/);
        expect(fs.readdirSync(path.join(root, 'usr/sbin'))).toEqual(['only.txt']);
        const run = fs.statSync(path.join(root, 'opt/tool/run'));
        expect([run.uid, run.mode & 0o777]).toEqual([1000, 0o755]);
        expect(fs.statSync(path.join(root, 'opt/tool/run2')).ino).toBe(run.ino);
        expect(fs.readlinkSync(path.join(root, 'escape'))).toBe('/etc');
        const r = runInRoot(root, [
          '/bin/sh',
          '-c',
          'cat /new.txt; /opt/tool/run; test -e /etc/group || echo no-group',
        ]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe('committed\ntool\nno-group\n');
      } finally {
        m.umount();
      }
    });

    it('pushes the committed image in chunks, blobs before the manifest', async () => {
      const proxy = await startRegistryProxy(reg!.url);
      try {
        const target = `${proxy.host}/chunked/committed:v1`;
        await svc.tag('committed/img:v1', target);
        const events: string[] = [];
        await svc.push(target, undefined, { onProgress: (e) => e.kind === 'layer' && events.push(e.status) });
        const patches = proxy.log.filter((r) => r.method === 'PATCH');
        expect(patches.length).toBeGreaterThanOrEqual(4);
        const lastBlobPut = proxy.log
          .map((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/'))
          .lastIndexOf(true);
        const manifestPut = proxy.log.findIndex((r) => r.method === 'PUT' && r.path.includes('/manifests/'));
        expect(manifestPut).toBeGreaterThan(lastBlobPut);
        expect(events).toContain('Pushed');
        const pushed = (await svc.inspect(target, '1.43')) as { RepoDigests: string[] };
        const digest = pushed.RepoDigests.find((d) => d.includes('chunked/committed'))!.split('@')[1];
        const dir = path.join(tmp, 'oci-chunked');
        await skopeoCopy(`docker://${reg!.host}/chunked/committed:v1`, `oci:${dir}:x`);
        const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as {
          manifests: Array<{ digest: string }>;
        };
        expect(index.manifests[0]!.digest).toBe(digest);
      } finally {
        await proxy.stop();
      }
    });

    it('an unchanged container commits without a new layer', async () => {
      const empty = path.join(tmp, 'empty-upper');
      fs.mkdirSync(empty);
      const id = await svc.commit({ upperDir: empty, parentImageId: baseId, comment: 'nothing changed' });
      const { config } = await svc.resolve(id);
      const base = await svc.resolve(baseId);
      expect(config.rootfs.diff_ids).toEqual(base.config.rootfs.diff_ids);
      expect(config.history?.at(-1)).toMatchObject({ empty_layer: true, comment: 'nothing changed' });
    });

    it('exports a root file system without following links, and imports it back', async () => {
      const file = path.join(tmp, 'export.tar');
      await new Promise<void>((resolve, reject) => {
        const out = fs.createWriteStream(file);
        svc.exportRootfs(merged).pipe(out);
        out.on('finish', resolve);
        out.on('error', reject);
      });
      const listing = execFileSync('tar', ['-tvf', file]).toString();
      expect(listing).toMatch(/^l\S+ .* escape -> \/etc$/m);
      expect(listing).toMatch(/^h\S+ .* opt\/tool\/run2 link to opt\/tool\/run$/m);
      expect(listing).not.toMatch(/ escape\/passwd/);
      expect(listing).not.toContain('etc/group');

      const id = await svc.importImage(fs.createReadStream(file), {
        repo: 'imported/rootfs',
        changes: ['CMD ["sh"]'],
        message: 'from export',
      });
      const { config } = await svc.resolve('imported/rootfs');
      expect(config.rootfs.diff_ids).toHaveLength(1);
      expect(config.config?.Cmd).toEqual(['sh']);
      expect(config.history?.[0]?.comment).toBe('from export');
      const m = mountOverlay(svc.lowerDirs(id));
      try {
        const r = runInRoot(m.dir, ['/bin/sh', '-c', 'cat /new.txt /usr/sbin/only.txt']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe('committed\nonly\n');
      } finally {
        m.umount();
      }
    });

    it('refuses to remove an image a container uses, unless forced', async () => {
      svc.setUsageChecker((id) => (id === baseId ? [{ id: 'a1b2c3d4e5f6a7b8', running: false }] : []));
      try {
        await expect(svc.remove(reg!.images.busybox)).rejects.toThrow(
          /unable to remove repository reference .* \(must force\) - container a1b2c3d4e5f6 is using its referenced image/,
        );
        await expect(svc.remove(baseId)).rejects.toThrow(/image has dependent child images|must be forced/);
        svc.setUsageChecker((id) => (id === baseId ? [{ id: 'a1b2c3d4e5f6a7b8', running: true }] : []));
        await expect(svc.remove(baseId, { force: true })).rejects.toThrow(
          /cannot be forced\) - image is being used by running container a1b2c3d4e5f6/,
        );
      } finally {
        svc.setUsageChecker(() => []);
      }
    });
  },
  ['mount', 'unshare', 'chroot', 'tar', 'skopeo'],
);
