/**
 * Once per test run: build the fixture images and start one seeded registry on loopback, shared
 * by every integration and end-to-end test (tests that need auth start their own registry).
 * Tests read it with `inject('fixtureRegistry')`; it is undefined when the host lacks the tools.
 */
import type { TestProject } from 'vitest/node';
import { missing } from './env';
import { seedRegistry } from './fixtures';
import { startRegistry, type TestRegistry } from './registry';

export interface ProvidedRegistry {
  host: string;
  url: string;
  images: { busybox: string; busyboxV2s2: string; multilayer: string; multiarch: string };
  layoutDir: string;
  digests: Record<string, string>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    fixtureRegistry: ProvidedRegistry | undefined;
  }
}

let registry: TestRegistry | undefined;

export async function setup(project: TestProject): Promise<void> {
  const why = missing({ commands: ['docker-registry', 'skopeo', 'busybox'] });
  if (why) {
    console.warn(`[global-setup] no fixture registry: ${why}`);
    project.provide('fixtureRegistry', undefined);
    return;
  }
  registry = await startRegistry();
  const seeded = await seedRegistry(registry);
  project.provide('fixtureRegistry', {
    host: registry.host,
    url: registry.url,
    images: seeded.images,
    layoutDir: seeded.layout.dir,
    digests: seeded.layout.digests,
  });
}

export async function teardown(): Promise<void> {
  await registry?.stop();
}
