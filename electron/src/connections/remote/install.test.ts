/**
 * The set-up scripts (facts, install lock, install, clean-up) run for real by the local sh, on a
 * small bundle made here: the same code paths as over SSH or wsl.exe, without either.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundleTarget } from './bundle';
import { probeFacts } from './facts';
import type { ExecResult, ProcessHost, Release, RemoteHost, RemoteProcess, RunOptions } from './host';
import { ensureInstalled, installIsCurrent, removeOldVersions } from './install';
import { lockWithProcess } from './lock';

/** RemoteHost on this machine: the scripts run in the local sh. */
class LocalHost implements RemoteHost, ProcessHost {
  readonly label = 'local test host';
  uploads = 0;

  async run(script: string, args: readonly string[], opts: RunOptions): Promise<ExecResult> {
    const p = await this.start(script, args);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.stdin.end(opts.stdin ?? '');
    const code = await p.exited;
    await new Promise((r) => setImmediate(r));
    return { code, signal: undefined, stdout, stderr };
  }

  async start(script: string, args: readonly string[]): Promise<RemoteProcess> {
    const child = spawn('sh', ['-c', script, 'sh', ...args], { stdio: 'pipe' });
    child.stdin.on('error', () => undefined);
    const exited = new Promise<number | null>((r) => child.once('close', (c: number | null) => r(c)));
    return {
      stdin: child.stdin,
      stdout: child.stdout,
      stderr: child.stderr,
      exited,
      kill: () => child.kill('SIGKILL'),
    };
  }

  lock(root: string, waitMs: number): Promise<Release> {
    return lockWithProcess(this, root, waitMs);
  }

  async upload(local: string, remote: string): Promise<void> {
    this.uploads++;
    fs.copyFileSync(local, remote);
  }
}

function sha(data: Buffer | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

async function tarGz(file: string, entries: Record<string, string>): Promise<void> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const [name, content] of Object.entries(entries)) p.entry({ name, mode: 0o644 }, content);
  p.finalize();
  await done;
  fs.writeFileSync(file, zlib.gzipSync(Buffer.concat(chunks)));
}

describe('install scripts on a real sh', () => {
  let dir: string;
  let target: BundleTarget;
  const host = new LocalHost();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'install-'));
    const runtime = { node: '#!/bin/sh\necho node\n' };
    const agentFiles = { 'berthd.cjs': 'console.log("agent")\n', 'native/linux_x64/koffi.node': 'binary' };
    const files: Record<string, string> = { ...runtime, ...agentFiles };
    const sums = Object.keys(files)
      .sort()
      .map((f) => `${sha(files[f]!)}  ${f}\n`)
      .join('');
    const id = sha(sums).slice(0, 24);
    await tarGz(path.join(dir, 'runtime.tar.gz'), runtime);
    await tarGz(path.join(dir, 'agent.tar.gz'), { ...agentFiles, SHA256SUMS: sums, 'BUNDLE-ID': id + '\n' });
    target = {
      arch: 'x64',
      id,
      unameMachines: ['x86_64'],
      installedSize: 1000,
      archives: (['runtime', 'agent'] as const).map((role) => {
        const p = path.join(dir, `${role}.tar.gz`);
        const data = fs.readFileSync(p);
        return { role, path: p, name: `${role}.tar.gz`, sha256: sha(data), size: data.length };
      }),
    };
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports the facts of the host', async () => {
    const root = path.join(dir, 'root-facts');
    const f = await probeFacts(host, {
      installRoot: root,
      version: '1.0.0',
      socketPath: path.join(dir, 'none.sock'),
      timeoutMs: 10_000,
    });
    expect(f).toMatchObject({
      machine: os.machine(),
      uid: process.getuid!(),
      installRoot: root,
      installedId: '',
      sidecar: undefined,
    });
    fs.mkdirSync(path.join(root, '1.0.0'), { recursive: true });
    fs.writeFileSync(path.join(root, '1.0.0', 'BUNDLE-ID'), 'abc123\n');
    fs.writeFileSync(
      path.join(dir, 'some.sock.agent.json'),
      JSON.stringify({ bundleId: 'abc123', version: '1.0.0', pid: 42 }),
    );
    const g = await probeFacts(host, {
      installRoot: root,
      version: '1.0.0',
      socketPath: path.join(dir, 'some.sock'),
      timeoutMs: 10_000,
    });
    expect(g.installedId).toBe('abc123');
    expect(g.sidecar).toEqual({ bundleId: 'abc123', version: '1.0.0', pid: 42 });
    // No install root configured: /opt/berth for root, ~/.berth-server for a user.
    const h = await probeFacts(host, {
      installRoot: undefined,
      version: '1.0.0',
      socketPath: '/nonexistent',
      timeoutMs: 10_000,
    });
    expect(h.installRoot).toBe(process.getuid!() === 0 ? '/opt/berth' : path.join(os.homedir(), '.berth-server'));
  });

  it('installs, keeps an intact install, reinstalls a damaged one, cleans up other versions', async () => {
    const root = path.join(dir, 'root');
    const opts = { root, version: '1.0.0', target, commandTimeoutMs: 10_000 };
    expect(await ensureInstalled(host, opts)).toBe('installed');
    expect(host.uploads).toBe(2);
    const inst = path.join(root, '1.0.0');
    expect(fs.readFileSync(path.join(inst, 'native/linux_x64/koffi.node'), 'utf8')).toBe('binary');
    expect(await installIsCurrent(host, inst, target.id, true, 10_000)).toBe(true);
    expect(await ensureInstalled(host, opts)).toBe('present');
    expect(host.uploads).toBe(2);

    fs.appendFileSync(path.join(inst, 'berthd.cjs'), 'tampered');
    expect(await installIsCurrent(host, inst, target.id, false, 10_000)).toBe(true);
    expect(await installIsCurrent(host, inst, target.id, true, 10_000)).toBe(false);
    expect(await ensureInstalled(host, opts)).toBe('installed');
    expect(fs.readFileSync(path.join(inst, 'berthd.cjs'), 'utf8')).toBe('console.log("agent")\n');

    fs.mkdirSync(path.join(root, '0.9.0'));
    fs.writeFileSync(path.join(root, '0.9.0', 'BUNDLE-ID'), 'old\n');
    fs.mkdirSync(path.join(root, 'not-ours'));
    fs.mkdirSync(path.join(root, '.staging-leftover'));
    await removeOldVersions(host, root, '1.0.0', 10_000);
    expect(fs.readdirSync(root).sort()).toEqual(['1.0.0', 'not-ours']);
  });

  it('refuses an archive that does not match its sha256, leaving nothing behind', async () => {
    const root = path.join(dir, 'root-bad');
    const bad = { ...target, archives: target.archives.map((a, i) => (i ? { ...a, sha256: '0'.repeat(64) } : a)) };
    await expect(
      ensureInstalled(host, { root, version: '1.0.0', target: bad, commandTimeoutMs: 10_000 }),
    ).rejects.toMatchObject({
      code: 'InstallFailed',
      message: expect.stringMatching(/do not match their sha256/),
    });
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('the install lock makes a second holder wait, and lets it in once released', async () => {
    const root = path.join(dir, 'root-lock');
    const first = await host.lock(root, 5000);
    const t0 = Date.now();
    const second = host.lock(root, 5000);
    await new Promise((r) => setTimeout(r, 300));
    await first();
    const release = await second;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    await expect(host.lock(root, 1000)).rejects.toMatchObject({
      code: 'InstallFailed',
      message: expect.stringMatching(/still running/),
    });
    await release();
  });
});
