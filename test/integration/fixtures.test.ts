/**
 * The fixture registry serves all three fixture images: skopeo (a real client) inspects each,
 * including the whiteout/opaque layer and the two-platform index.
 */
import zlib from 'node:zlib';
import { extract } from 'tar-stream';
import { expect, inject, it } from 'vitest';
import { describeIf } from '../support/env';
import { skopeoInspect } from '../support/skopeo';

async function layerEntries(registryUrl: string, repo: string, digest: string): Promise<string[]> {
  const res = await fetch(`${registryUrl}/v2/${repo}/blobs/${digest}`);
  expect(res.status).toBe(200);
  const tar = zlib.gunzipSync(Buffer.from(await res.arrayBuffer()));
  const names: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const x = extract();
    x.on('entry', (h, stream, next) => {
      names.push(h.name);
      stream.resume();
      stream.on('end', next);
    });
    x.on('finish', resolve);
    x.on('error', reject);
    x.end(tar);
  });
  return names;
}

describeIf('fixture registry', { commands: ['docker-registry', 'skopeo', 'busybox'] }, () => {
  it('serves busybox as an OCI manifest and as Docker schema 2', async () => {
    const reg = inject('fixtureRegistry')!;
    const info = (await skopeoInspect(`docker://${reg.images.busybox}`)) as {
      Layers: string[];
      Architecture: string;
      Os: string;
      Digest: string;
    };
    expect(info.Layers).toHaveLength(1);
    expect(info.Os).toBe('linux');
    expect(info.Digest).toBe(reg.digests.busybox);
    const raw = (await skopeoInspect(`docker://${reg.images.busyboxV2s2}`, { raw: true })) as { mediaType: string };
    expect(raw.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    const entries = await layerEntries(reg.url, 'berth-test/busybox', info.Layers[0]!);
    expect(entries).toContain('bin/busybox');
    expect(entries).toContain('bin/sh');
    expect(entries).toContain('etc/passwd');
  });

  it('serves the multi-layer image with a whiteout and an opaque directory', async () => {
    const reg = inject('fixtureRegistry')!;
    const info = (await skopeoInspect(`docker://${reg.images.multilayer}`)) as {
      Layers: string[];
      Labels: Record<string, string>;
    };
    expect(info.Layers).toHaveLength(3);
    expect(info.Labels['org.berth.test']).toBe('multilayer');
    const top = await layerEntries(reg.url, 'berth-test/multilayer', info.Layers[2]!);
    expect(top).toContain('data/.wh.gone.txt');
    expect(top).toContain('data/dir/.wh..wh..opq');
    expect(top).toContain('data/dir/new.txt');
    const mid = await layerEntries(reg.url, 'berth-test/multilayer', info.Layers[1]!);
    expect(mid).toEqual(expect.arrayContaining(['data/gone.txt', 'data/dir/old1.txt', 'data/dir/sub/old2.txt']));
  });

  it('serves a two-platform index (linux/amd64 + linux/arm64)', async () => {
    const reg = inject('fixtureRegistry')!;
    const index = (await skopeoInspect(`docker://${reg.images.multiarch}`, { raw: true })) as {
      mediaType: string;
      manifests: Array<{ digest: string; platform: { os: string; architecture: string } }>;
    };
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const platforms = index.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`).sort();
    expect(platforms).toEqual(['linux/amd64', 'linux/arm64']);
    const arm = (await skopeoInspect(`docker://${reg.images.multiarch}`, {})) as { Architecture: string };
    expect(['amd64', 'arm64']).toContain(arm.Architecture);
    const armManifest = index.manifests.find((m) => m.platform.architecture === 'arm64')!;
    expect(armManifest.digest).toBe(reg.digests.arm64);
  });
});
