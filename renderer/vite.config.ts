import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  plugins: [vue()],
  resolve: {
    alias: {
      '@contract': path.resolve(here, '../electron/src/contract'),
      // Web mode's window.berth (the Electron preload provides it in the desktop app).
      '@berth/web-client': path.resolve(here, '../electron/src/web/client.ts'),
      '@': path.resolve(here, 'src'),
    },
  },
  build: {
    outDir: path.resolve(here, '../dist/renderer'),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
});
