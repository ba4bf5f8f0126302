#!/usr/bin/env node
// `npm start`: build if needed, then open the desktop app in Electron; it brings up the local
// engine through its supervisor, as `npm run web` does. Where the Electron binary cannot be had
// (no download host), say so and point at web mode, which serves the same UI.
import { spawn, execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [path.join(root, 'build', 'build.mjs'), '--if-stale'], { stdio: 'inherit' });
let electronPath;
try {
  const mod = await import('electron');
  electronPath = mod.default;
} catch (err) {
  console.error(`Electron is not available (${err.message}).`);
}
if (typeof electronPath !== 'string') {
  console.error('The Electron binary is not installed here. Run the same UI in a browser with: npm run web');
  process.exit(1);
}
const args = [path.join(root, 'dist', 'electron', 'main.cjs'), ...process.argv.slice(2)];
// Chromium refuses to run as root with its OS sandbox; the renderer stays sandboxed by Electron's
// own settings (contextIsolation, sandbox: true), but say that the OS-level layer is off.
if (process.getuid?.() === 0 && !args.includes('--no-sandbox')) {
  console.warn(
    "npm start: running as root, so Chromium's OS sandbox is off (--no-sandbox). Run as a user for the full sandbox.",
  );
  args.push('--no-sandbox');
}
const child = spawn(electronPath, args, { stdio: 'inherit' });
const forward = (sig) => child.kill(sig);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', (code) => process.exit(code ?? 0));
