#!/usr/bin/env node
// `npm start`: build if needed, then open the desktop app in Electron. Where the Electron binary
// cannot be had (no download host), say so and point at web mode, which serves the same UI.
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
const child = spawn(electronPath, [path.join(root, 'dist', 'electron', 'main.cjs')], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
