/**
 * The real docker CLI against berthd for images: pull, images (with filters), image inspect,
 * history, tag, rmi (with its conflicts), push (checked with skopeo), save/load, import, image
 * prune and the Images count of docker info.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startBerthd, type BerthdHandle } from '../support/berthd';
import { docker } from '../support/docker-cli';
import { describeRoot } from '../support/env';
import { skopeoCopy, skopeoInspect } from '../support/skopeo';
import { makeTar } from '../support/tar';

const reg = inject('fixtureRegistry');

describeRoot(
  'images: docker CLI',
  () => {
    let d: BerthdHandle;
    let tmp: string;
    const cli = (...args: string[]) => docker(d.host, args, { env: { HOME: tmp } });

    beforeAll(async () => {
      if (!reg) throw new Error('the fixture registry is not available');
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-images-cli-'));
      d = await startBerthd({ args: ['--insecure-registry', reg.host] });
    });
    afterAll(async () => {
      await d?.stop();
      d?.cleanup();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('docker pull, images, image inspect and history', async () => {
      const pull = await cli('pull', reg!.images.busybox);
      expect(pull.code, pull.stderr).toBe(0);
      expect(pull.stdout).toContain('latest: Pulling from berth-test/busybox');
      expect(pull.stdout).toContain('Pull complete');
      expect(pull.stdout).toContain(`Digest: ${reg!.digests.busybox}`);
      expect(pull.stdout).toContain(`Status: Downloaded newer image for ${reg!.images.busybox}`);
      expect((await cli('pull', reg!.images.multilayer)).code).toBe(0);

      const ls = await cli('images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}');
      expect(ls.code, ls.stderr).toBe(0);
      const rows = ls.stdout.trim().split('\n').sort();
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatch(new RegExp(`^${reg!.host}/berth-test/busybox:latest [0-9a-f]{12}$`));

      const filtered = await cli('images', '--filter', 'reference=*/berth-test/multi*', '--format', '{{.Repository}}');
      expect(filtered.stdout.trim()).toBe(`${reg!.host}/berth-test/multilayer`);
      const labelled = await cli('images', '--filter', 'label=org.berth.test=multilayer', '-q');
      expect(labelled.stdout.trim().split('\n')).toHaveLength(1);

      const fmt = await cli(
        'image',
        'inspect',
        '--format',
        '{{.Os}}/{{.Architecture}} {{.Config.WorkingDir}} {{len .RootFS.Layers}}',
        reg!.images.multilayer,
      );
      expect(fmt.code, fmt.stderr).toBe(0);
      expect(fmt.stdout.trim()).toMatch(/^linux\/(amd64|arm64) \/data 3$/);

      const hist = await cli('history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Size}}', reg!.images.multilayer);
      expect(hist.code, hist.stderr).toBe(0);
      expect(
        hist.stdout
          .trim()
          .split('\n')
          .map((l) => l.split('|')[0]),
      ).toEqual(['berth test layer 2', 'berth test layer 1', 'berth test layer 0']);
      const info = await cli('info', '--format', '{{.Images}}');
      expect(info.stdout.trim()).toBe('2');
    });

    it('docker tag and rmi (untag, conflicts, delete with layers)', async () => {
      expect((await cli('tag', reg!.images.busybox, 'mine/bb:one')).code).toBe(0);
      expect((await cli('tag', reg!.images.busybox, 'other/bb:two')).code).toBe(0);
      const id = (await cli('image', 'inspect', '--format', '{{.Id}}', 'mine/bb:one')).stdout.trim();
      const conflict = await cli('rmi', id.slice(7, 19));
      expect(conflict.code).not.toBe(0);
      expect(conflict.stderr).toMatch(
        /unable to delete [0-9a-f]{12} \(must be forced\) - image is referenced in multiple repositories/,
      );
      const untag = await cli('rmi', 'mine/bb:one');
      expect(untag.code, untag.stderr).toBe(0);
      expect(untag.stdout.trim()).toBe('Untagged: mine/bb:one');
      const missing = await cli('rmi', 'mine/bb:one');
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('No such image: mine/bb:one');
      const forced = await cli('rmi', '-f', id);
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stdout).toContain('Untagged: other/bb:two');
      expect(forced.stdout).toContain(`Untagged: ${reg!.images.busybox}`);
      expect(forced.stdout).toContain(`Deleted: ${id}`);
      // Its layer is shared with the multi-layer image: kept.
      const ml = await cli('image', 'inspect', '--format', '{{.GraphDriver.Data.LowerDir}}', reg!.images.multilayer);
      for (const dir of ml.stdout.trim().split(':')) expect(fs.existsSync(dir)).toBe(true);
    });

    it('docker push: skopeo sees it and a copy back to an OCI dir has the same manifest digest', async () => {
      expect((await cli('pull', reg!.images.busybox)).code).toBe(0);
      const target = `${reg!.host}/pushed/busybox:cli`;
      expect((await cli('tag', reg!.images.busybox, target)).code).toBe(0);
      const push = await cli('push', target);
      expect(push.code, push.stderr).toBe(0);
      expect(push.stdout).toContain(`The push refers to repository [${reg!.host}/pushed/busybox]`);
      expect(push.stdout).toMatch(/Mounted from berth-test\/(busybox|multilayer)|Pushed|Layer already exists/);
      const m = /cli: digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(push.stdout);
      expect(m, push.stdout).not.toBeNull();
      // The stored manifest was pushed unchanged.
      expect(m![1]).toBe(reg!.digests.busybox);
      const seen = (await skopeoInspect(`docker://${target}`)) as { Digest: string };
      expect(seen.Digest).toBe(m![1]);

      // An image built here (imported) gets a generated OCI manifest, uploaded blob by blob.
      const rootfs = path.join(tmp, 'rootfs.tar');
      fs.writeFileSync(rootfs, await makeTar([{ name: 'hello.txt', content: 'imported\n' }]));
      const imp = await cli('import', '--change', 'CMD ["/hello"]', rootfs, `${reg!.host}/pushed/imported:v1`);
      expect(imp.code, imp.stderr).toBe(0);
      expect(imp.stdout.trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
      const push2 = await cli('push', `${reg!.host}/pushed/imported:v1`);
      expect(push2.code, push2.stderr).toBe(0);
      expect(push2.stdout).toContain('Pushed');
      const digest = /v1: digest: (sha256:[0-9a-f]{64})/.exec(push2.stdout)![1]!;
      const ociDir = path.join(tmp, 'oci-copy');
      await skopeoCopy(`docker://${reg!.host}/pushed/imported:v1`, `oci:${ociDir}:copy`);
      const index = JSON.parse(fs.readFileSync(path.join(ociDir, 'index.json'), 'utf8')) as {
        manifests: Array<{ digest: string }>;
      };
      expect(index.manifests[0]!.digest).toBe(digest);
      const cfg = (await skopeoInspect(`docker://${reg!.host}/pushed/imported:v1`, { config: true })) as {
        config: { Cmd: string[] };
      };
      expect(cfg.config.Cmd).toEqual(['/hello']);
      // Pushing again skips every blob.
      const again = await cli('push', `${reg!.host}/pushed/imported:v1`);
      expect(again.stdout).toContain('Layer already exists');
    });

    it('docker save and load round-trip the image ID', async () => {
      const id = (await cli('image', 'inspect', '--format', '{{.Id}}', reg!.images.multilayer)).stdout.trim();
      const file = path.join(tmp, 'saved.tar');
      const save = await cli('save', '-o', file, reg!.images.multilayer);
      expect(save.code, save.stderr).toBe(0);
      expect((await cli('rmi', reg!.images.multilayer)).code).toBe(0);
      const load = await cli('load', '-i', file);
      expect(load.code, load.stderr).toBe(0);
      expect(load.stdout).toContain(`Loaded image: ${reg!.images.multilayer}`);
      expect((await cli('image', 'inspect', '--format', '{{.Id}}', reg!.images.multilayer)).stdout.trim()).toBe(id);
    });

    it('docker image prune removes dangling images only', async () => {
      const rootfs = path.join(tmp, 'dangling.tar');
      fs.writeFileSync(rootfs, await makeTar([{ name: 'x', content: String(Date.now()) }]));
      const imp = await cli('import', rootfs);
      const danglingId = imp.stdout.trim();
      expect(danglingId).toMatch(/^sha256:/);
      const before = await cli('images', '-q', '--filter', 'dangling=true', '--no-trunc');
      expect(before.stdout.trim().split('\n')).toContain(danglingId);
      const prune = await cli('image', 'prune', '-f');
      expect(prune.code, prune.stderr).toBe(0);
      expect(prune.stdout).toContain(`deleted: ${danglingId}`);
      expect(prune.stdout).toMatch(/Total reclaimed space: \d/);
      const after = await cli('images', '-q', '--filter', 'dangling=true');
      expect(after.stdout.trim()).toBe('');
      expect((await cli('image', 'inspect', reg!.images.multilayer)).code).toBe(0);
    });
  },
  ['skopeo'],
);
