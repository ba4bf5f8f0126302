/**
 * Web mode end to end, with playwright-core driving Debian's chromium (never a downloaded browser):
 * `npm run web` serves the built UI, brings up the local engine through the supervisor (the local
 * host shows connected with no set-up step), the page talks the contract over the WebSocket with
 * its token (invoke, events, typed errors, uploads), and everything is refused without the token
 * or from another origin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import NodeWebSocket from 'ws';
import type { BerthBridge } from '../../electron/src/contract/bridge';
import { packTar } from '../../electron/src/bridge/tar';
import { request } from '../support/berthd';
import { stopBerthds } from '../support/engine-process';
import { describeIf, distDir, repoRoot } from '../support/env';

const CHROMIUM = '/usr/bin/chromium';

declare global {
  interface Window {
    berth: BerthBridge;
  }
}

describeIf('web mode', { root: true, files: [CHROMIUM, path.join(distDir, 'web', 'berth-web.cjs')] }, () => {
  let dir: string;
  let server: ChildProcess;
  let output = '';
  let url: URL;
  let context: BrowserContext;
  let page: Page;
  const engineSocket = (): string => path.join(dir, 'engine.sock');

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-web-e2e-'));
    server = spawn(
      'npm',
      [
        'run',
        '--silent',
        'web',
        '--',
        '--config-dir',
        path.join(dir, 'config'),
        '--state-dir',
        path.join(dir, 'state'),
        '--engine-socket',
        engineSocket(),
        '--data-root',
        path.join(dir, 'data'),
        '--exec-root',
        path.join(dir, 'exec'),
        '--engine-group',
        '0',
      ],
      {
        cwd: repoRoot,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
      },
    );
    server.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    server.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const deadline = Date.now() + 30_000;
    while (!/Berth web UI: (\S+)/.test(output)) {
      if (Date.now() > deadline || server.exitCode !== null)
        throw new Error(`npm run web did not print its URL:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    url = new URL(/Berth web UI: (\S+)/.exec(output)![1]!);
    context = await chromium.launchPersistentContext(path.join(dir, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    if (server?.pid && server.exitCode === null) {
      process.kill(-server.pid, 'SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    // The engine the app started outlives it by design: end it here.
    if (dir) {
      await stopBerthds(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints a URL on 127.0.0.1 with a random token', () => {
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.searchParams.get('token')).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('serves the UI and shows the local engine and host connected with no set-up step', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(url.href);
    await page.locator('[data-testid="host-local"][data-state="connected"]').waitFor({ timeout: 60_000 });
    await expect(page.locator('[data-testid="engine-state"]').innerText()).resolves.toMatch(
      /Engine: running \(berthd \d/,
    );
    expect(errors).toEqual([]);
    expect(output).toMatch(/Berth engine: running on .*engine\.sock \(berthd [\d.]+, started by Berth, pid \d+\)/);
    expect((await request(engineSocket(), 'GET', '/_ping')).status).toBe(200);
  });

  it('invokes the contract over the WebSocket and receives events', async () => {
    const info = await page.evaluate(() => window.berth.invoke('app:info', {}));
    expect(info).toMatchObject({ ok: true, value: { mode: 'web', platform: 'linux' } });
    expect(await page.evaluate(() => window.berth.mode)).toBe('web');
    const event = await page.evaluate(async (sock) => {
      const got = new Promise((resolve) => {
        const off = window.berth.on('hosts:changed', (hosts) => {
          off();
          resolve(hosts.map((h) => h.name));
        });
      });
      const added = await window.berth.invoke('hosts:add', {
        spec: { name: 'second', config: { kind: 'local', socketPath: sock } },
      });
      return { added: added.ok, hosts: await got };
    }, engineSocket());
    expect(event).toEqual({ added: true, hosts: ['This computer', 'second'] });
    const hostInfo = await page.evaluate(() => window.berth.invoke('hosts:info', { hostId: 'local' }));
    expect(hostInfo).toMatchObject({
      ok: true,
      value: { engine: { flavour: 'berth' }, ncpu: os.availableParallelism() },
    });
  });

  it('answers malformed arguments with a typed error at the field', async () => {
    const r = await page.evaluate(() =>
      window.berth.invoke('containers:create', {
        hostId: 'local',
        spec: { image: 'busybox', limits: { memoryBytes: 10 } },
      }),
    );
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'InvalidArgument', field: ['spec', 'limits', 'memoryBytes'] },
    });
  });

  it('uploads a build context with the token', async () => {
    const tar = Array.from(
      new Uint8Array(
        packTar([{ path: 'Dockerfile', data: new TextEncoder().encode('FROM busybox\n').buffer as ArrayBuffer }]),
      ),
    );
    const r = await page.evaluate(
      (bytes) => window.berth.upload({ kind: 'tar', name: 'ctx.tar', data: new Uint8Array(bytes).buffer }),
      tar,
    );
    expect(r).toMatchObject({
      ok: true,
      value: { size: tar.length, uploadId: expect.stringMatching(/^[A-Za-z0-9_-]{16,}$/) as string },
    });
    const files = await page.evaluate(() =>
      window.berth.upload({
        kind: 'files',
        name: 'app',
        files: [{ path: 'Dockerfile', data: new TextEncoder().encode('FROM x\n').buffer }],
      }),
    );
    expect(files.ok).toBe(true);
  });

  it('refuses the page, the API and the WebSocket without the token, or from another origin', async () => {
    const base = `${url.origin}/`;
    expect((await fetch(base)).status).toBe(401);
    expect((await fetch(`${url.origin}/assets/anything.js`)).status).toBe(401);
    expect((await fetch(`${base}?token=wrong-token-wrong-token-wrong-t`)).status).toBe(401);
    const post = await fetch(`${url.origin}/api/upload?name=x`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(401);
    // A rebound DNS name (another site's Host header) is refused even with the token.
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = http.get(
        {
          host: '127.0.0.1',
          port: url.port,
          path: url.pathname + url.search,
          headers: { Host: `evil.example:${url.port}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
    });
    expect(rebound).toBe(421);
    // In the page (same origin) but without the token: the WebSocket never opens.
    const opened = await page.evaluate(
      () =>
        new Promise<boolean>((resolve) => {
          const ws = new WebSocket(`ws://${location.host}/api/ws`, ['berth.v1']);
          ws.onopen = () => resolve(true);
          ws.onerror = () => resolve(false);
        }),
    );
    expect(opened).toBe(false);
    const token = url.searchParams.get('token')!;
    const wsUrl = `ws://${url.host}/api/ws`;
    const attempt = (headers: Record<string, string>, protocols: string[]): Promise<number | 'open'> =>
      new Promise((resolve) => {
        const ws = new NodeWebSocket(wsUrl, protocols, { headers });
        ws.on('open', () => {
          ws.close();
          resolve('open');
        });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => undefined);
      });
    expect(await attempt({ Origin: 'http://evil.example' }, ['berth.v1', `berth-token.${token}`])).toBe(403);
    expect(
      await attempt({ Origin: `http://127.0.0.1:${Number(url.port) + 1}` }, ['berth.v1', `berth-token.${token}`]),
    ).toBe(403);
    expect(await attempt({ Origin: url.origin }, ['berth.v1', 'berth-token.nope'])).toBe(401);
    expect(await attempt({ Origin: url.origin }, ['berth.v1', `berth-token.${token}`])).toBe('open');
  });

  it('keeps working after a reload (a new session; the old one is closed)', async () => {
    await page.reload();
    await page.locator('[data-testid="host-local"][data-state="connected"]').waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => window.berth.invoke('hosts:list', {}).then((r) => r.ok && r.value.length))).toBe(
      2,
    );
  });

  it('pulls the busybox fixture and runs it on the local host', async (ctx) => {
    // Needs berthd's image and container endpoints (being built in parallel): runs once they answer.
    const probe = await request(engineSocket(), 'GET', '/images/json');
    if (probe.status === 404) return ctx.skip();
    const reg = inject('fixtureRegistry');
    if (!reg) return ctx.skip();
    const result = await page.evaluate(async (ref) => {
      const pull = await window.berth.invoke('images:pull', { hostId: 'local', ref });
      if (!pull.ok) return { step: 'pull', error: pull.error };
      const done = await window.berth.invoke('tasks:wait', { taskId: pull.value.taskId });
      if (!done.ok || done.value.state !== 'succeeded') return { step: 'pull-wait', done };
      const run = await window.berth.invoke('containers:create', {
        hostId: 'local',
        start: true,
        spec: {
          image: ref,
          name: 'e2e-busybox',
          cmd: ['sleep', '30'],
          limits: { memoryBytes: 64 << 20 },
          restartPolicy: { name: 'no' },
        },
      });
      if (!run.ok) return { step: 'run', error: run.error };
      const detail = await window.berth.invoke('containers:inspect', { hostId: 'local', id: run.value.id });
      await window.berth.invoke('containers:remove', { hostId: 'local', id: run.value.id, force: true });
      return { step: 'done', running: detail.ok && detail.value.state.running };
    }, reg.images.busybox);
    expect(result).toEqual({ step: 'done', running: true });
  });
  it('shows the engine dying and starts it again from the UI', async () => {
    const before = await page.evaluate(() => window.berth.invoke('engine:state', {}));
    expect(before).toMatchObject({ ok: true, value: { status: 'running', origin: 'started' } });
    const oldPid = (before as { value: { pid: number } }).value.pid;
    expect(oldPid).toBeGreaterThan(0);
    process.kill(oldPid, 'SIGKILL');
    // The status bar and the host say so, without a reload.
    const state = page.locator('[data-testid="engine-state"]');
    await expect.poll(() => state.getAttribute('data-status'), { timeout: 30_000 }).toMatch(/^(failed|stopped)$/);
    await page.locator('[data-testid="host-local"]:not([data-state="connected"])').waitFor({ timeout: 30_000 });
    await state.click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByTestId('engine-status').innerText()).resolves.toMatch(/failed|stopped/i);
    await dialog.getByRole('button', { name: 'Start engine' }).click();
    await expect.poll(() => state.getAttribute('data-status'), { timeout: 60_000 }).toBe('running');
    await page.locator('[data-testid="host-local"][data-state="connected"]').waitFor({ timeout: 60_000 });
    const after = await page.evaluate(() => window.berth.invoke('engine:state', {}));
    const newPid = (after as { value: { pid: number } }).value.pid;
    expect(newPid).toBeGreaterThan(0);
    expect(newPid).not.toBe(oldPid);
    expect((await request(engineSocket(), 'GET', '/_ping')).status).toBe(200);
  });
});
