/**
 * Seeds a test registry with the fixture images (see images.ts), under the repository
 * namespace `berth-test/`:
 *   busybox:latest (OCI manifest), busybox:v2s2 (Docker schema 2),
 *   multilayer:latest (whiteout + opaque dir), multiarch:latest (linux/amd64 + linux/arm64 index).
 */
import { fixtureLayout, type FixtureLayout } from './images';
import type { TestRegistry } from './registry';
import { skopeoCopy, type SkopeoAuth } from './skopeo';

export interface SeededRegistry {
  registry: TestRegistry;
  layout: FixtureLayout;
  /** Full references, e.g. 127.0.0.1:5000/berth-test/busybox:latest */
  images: { busybox: string; busyboxV2s2: string; multilayer: string; multiarch: string };
}

export async function seedRegistry(registry: TestRegistry, auth?: SkopeoAuth): Promise<SeededRegistry> {
  const layout = await fixtureLayout();
  const base = `${registry.host}/berth-test`;
  const images = {
    busybox: `${base}/busybox:latest`,
    busyboxV2s2: `${base}/busybox:v2s2`,
    multilayer: `${base}/multilayer:latest`,
    multiarch: `${base}/multiarch:latest`,
  };
  const src = (ref: string): string => `oci:${layout.dir}:${ref}`;
  const destAuth = auth ? { destAuth: auth } : {};
  await skopeoCopy(src(layout.refs.busybox), `docker://${images.busybox}`, destAuth);
  await skopeoCopy(src(layout.refs.busybox), `docker://${images.busyboxV2s2}`, { format: 'v2s2', ...destAuth });
  await skopeoCopy(src(layout.refs.multilayer), `docker://${images.multilayer}`, destAuth);
  await skopeoCopy(src(layout.refs.multiarch), `docker://${images.multiarch}`, { all: true, ...destAuth });
  return { registry, layout, images };
}
