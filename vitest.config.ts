import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['runtime-agent/src/**/*.test.ts', 'electron/src/**/*.test.ts', 'test/support/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        // The UI's component and store tests: a DOM (happy-dom), the Vue SFC compiler and the
        // renderer's aliases; window.berth is a small fake per test (renderer/src/testing).
        plugins: [vue()],
        resolve: {
          alias: {
            '@contract': path.resolve(here, 'electron/src/contract'),
            '@berth/web-client': path.resolve(here, 'electron/src/web/client.ts'),
            '@': path.resolve(here, 'renderer/src'),
          },
        },
        test: {
          name: 'renderer',
          include: ['renderer/src/**/*.test.ts'],
          environment: 'happy-dom',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
          pool: 'forks',
        },
      },
    ],
  },
});
