/**
 * Web mode for a test: the built `berth-web` (dist/web/berth-web.cjs) with its own config and
 * state dirs, no local engine supervisor (the test adds its hosts through the UI), a random token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { distDir } from '../../support/env';

export interface WebHandle {
  url: string;
  dir: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export async function startWeb(opts: { env?: Record<string, string> } = {}): Promise<WebHandle> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-web-test-'));
  const token = crypto.randomBytes(18).toString('base64url');
  const child = spawn(
    process.execPath,
    [
      path.join(distDir, 'web', 'berth-web.cjs'),
      '--no-engine',
      '--port',
      '0',
      '--token',
      token,
      '--config-dir',
      path.join(dir, 'config'),
      '--state-dir',
      path.join(dir, 'state'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  );
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`berth-web did not print its URL:\n${out}`)), 20_000);
    const check = (): void => {
      const m = /Berth web UI: (\S+)/.exec(out);
      if (m) {
        clearTimeout(deadline);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`berth-web exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    dir,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 8000);
        await exited;
        clearTimeout(t);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
