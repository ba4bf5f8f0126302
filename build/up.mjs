#!/usr/bin/env node
// `npm run up`: the README's one command that runs Berth on a fresh clone. Installs the npm
// dependencies when missing, builds when stale, then starts the web UI (`npm run web`), whose
// engine supervisor finds the local berthd or starts it (as root: directly; otherwise it asks for
// the password in the UI). Extra arguments go to the web server (see `npm run web -- --help`).
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lockHash = crypto
  .createHash('sha256')
  .update(fs.readFileSync(path.join(root, 'package-lock.json')))
  .digest('hex');
const stamp = path.join(root, 'node_modules', '.berth-lock-hash');
if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8').trim() !== lockHash) {
  console.log('up: installing npm dependencies (npm ci)…');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  fs.writeFileSync(stamp, lockHash + '\n');
}
execFileSync(process.execPath, [path.join(root, 'build', 'build.mjs'), '--if-stale'], { cwd: root, stdio: 'inherit' });
const child = spawn(process.execPath, [path.join(root, 'dist', 'web', 'berth-web.cjs'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
const forward = (sig) => child.kill(sig);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', (code) => process.exit(code ?? 0));
