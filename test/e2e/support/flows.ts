/**
 * Issue 9's end-to-end flow as separate tests, for any kind of host: add it, pull the busybox
 * fixture (progress shown), run it from the Run dialog (published port, memory limit, restart
 * policy), live CPU/memory, logs with search, terminal echo, moving stats chart, stop and
 * remove, build from a Dockerfile with the live log and run the result, volume and network
 * create/remove, screenshots of every view in light and dark, and no idle work.
 *
 * Each test states what it needs from the ones before (`need`): when an earlier step failed, the
 * later ones fail with that reason rather than a confusing timeout.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, inject, it, type TestContext } from 'vitest';
import type { Page } from 'playwright-core';
import { request, startBerthd, type BerthdHandle } from '../../support/berthd';
import { freePort } from '../../support/ports';
import { launchBrowser, type BrowserHandle } from './browser';
import { probeEngine, type EnginePiece } from './engine-probe';
import { startWeb, type WebHandle } from './web';
import { confirm, containerRow, countSentFrames, goto, screenshot } from './ui';

export interface FlowEnv {
  page: Page;
  berthd: BerthdHandle;
  web: WebHandle;
}

export interface FlowOptions {
  /** Screenshot name prefix (e.g. "local"); screenshots only when set. */
  shots?: string;
  /** Adds the host through the UI; returns its name. */
  addHost(env: FlowEnv): Promise<string>;
  /** Host the published ports are reached at. */
  portHost: string;
  /** Extra set-up before the browser opens (e.g. sshd); returns its clean-up. */
  before?(berthd: BerthdHandle): Promise<() => Promise<void>>;
}

export function defineUiFlows(o: FlowOptions): void {
  const reg = inject('fixtureRegistry');
  const id = Math.random().toString(36).slice(2, 8);
  const names = {
    container: `e2e-web-${id}`,
    built: `e2e-built-${id}`,
    tag: `berth-e2e/hello-${id}:1`,
    volume: `e2e-vol-${id}`,
    network: `e2e-net-${id}`,
  };
  const done = new Set<string>();
  let env: FlowEnv | undefined;
  let browser: BrowserHandle | undefined;
  let cleanups: Array<() => Promise<void>> = [];
  let hostPort = 0;
  let frames: ReturnType<typeof countSentFrames> | undefined;
  let engine = new Set<EnginePiece>();

  /** Skips (with the reason) a flow whose Engine API pieces this berthd does not serve yet. */
  const needsEngine = (ctx: TestContext, ...pieces: EnginePiece[]): void => {
    const lacking = pieces.filter((p) => !engine.has(p));
    if (lacking.length) {
      const why = `waits for the engine: berthd here has no ${lacking.join(', ')} API yet`;
      console.warn(`[skip] ${why}`);
      ctx.skip(why);
    }
  };

  const need = (...steps: string[]): FlowEnv => {
    for (const s of steps) if (!done.has(s)) throw new Error(`needs the "${s}" step, which did not pass`);
    if (!env) throw new Error('the UI did not start');
    return env;
  };
  /** A failed step may leave a dialog open: close it so the next step starts clean. */
  const closeDialogs = async (): Promise<void> => {
    const page = env?.page;
    for (let i = 0; page && i < 3 && (await page.getByRole('dialog').count()) > 0; i++)
      await page.keyboard.press('Escape');
  };
  /** Waits until an attribute leaves a value (e.g. a task's data-state leaves "running"). */
  const settle = async (get: () => Promise<string | null>, from: string, timeout: number): Promise<string | null> => {
    await expect.poll(get, { timeout }).not.toBe(from);
    return get();
  };
  const api = async (method: string, p: string, body?: unknown) => {
    const r = await request(env!.berthd.socket, method, p, body);
    return { status: r.status, json: () => r.json() as Record<string, unknown> };
  };

  beforeAll(async () => {
    if (!reg) throw new Error('no fixture registry (docker-registry, skopeo and busybox are needed)');
    const berthd = await startBerthd({ args: ['--insecure-registry', reg.host] });
    engine = await probeEngine(berthd.socket);
    cleanups.push(async () => {
      await berthd.stop();
      berthd.cleanup();
    });
    if (o.before) cleanups.push(await o.before(berthd));
    const web = await startWeb();
    cleanups.push(() => web.stop());
    browser = await launchBrowser();
    cleanups.push(() => browser!.close());
    frames = countSentFrames(browser.page);
    await browser.page.goto(web.url);
    env = { page: browser.page, berthd, web };
    hostPort = await freePort();
  });

  afterAll(async () => {
    // Leave nothing behind: the test's containers, image, volume and network go with berthd's temp dirs.
    if (env) {
      for (const n of [names.container, names.built])
        await api('DELETE', `/containers/${n}?force=1`).catch(() => undefined);
    }
    for (const c of cleanups.reverse()) await c().catch((e: unknown) => console.warn(`cleanup: ${String(e)}`));
    cleanups = [];
  });

  beforeEach(closeDialogs);

  it('adds the host and shows it connected', async () => {
    const e = need();
    await o.addHost(e);
    await expect.poll(() => e.page.getByTestId('agent-version').textContent(), { timeout: 20_000 }).toMatch(/berth/i);
    done.add('host');
  });

  it('pulls the busybox fixture with per-layer progress', async (ctx) => {
    needsEngine(ctx, 'images', 'containers');
    const { page } = need('host');
    await goto(page, 'images');
    await page.getByTestId('open-pull').click();
    await page.getByLabel('Image reference').fill(reg!.images.busybox);
    await page.getByTestId('pull-submit').click();
    const task = page.getByRole('dialog').getByTestId('task-pull');
    await task.waitFor();
    const state = await settle(() => task.getAttribute('data-state'), 'running', 120_000);
    expect(state, (await task.textContent()) ?? '').toBe('succeeded');
    expect(await task.getByRole('progressbar').count()).toBeGreaterThanOrEqual(2); // overall + a layer
    await expect
      .poll(() => task.getByRole('progressbar', { name: 'Overall progress' }).getAttribute('aria-valuenow'))
      .toBe('100');
    await page.getByRole('button', { name: 'Close' }).first().click();
    const repo = reg!.images.busybox.split('/').slice(1).join('/');
    await page.getByTestId('images-table').getByText(repo, { exact: false }).first().waitFor({ timeout: 20_000 });
    done.add('pull');
  });

  it('runs the image from the Run dialog with a published port, a memory limit and a restart policy', async (ctx) => {
    needsEngine(ctx, 'images', 'containers', 'networks');
    const { page } = need('pull');
    await goto(page, 'containers');
    await page.getByTestId('open-run').click();
    const dialog = page.getByRole('dialog', { name: 'Run a container' });
    await dialog.getByLabel('Image', { exact: true }).fill(reg!.images.busybox);
    await dialog.getByLabel('Name', { exact: true }).fill(names.container);
    await dialog
      .getByLabel('Command', { exact: true })
      .fill(
        `sh -c "echo hello-from-berth; echo second-line >&2; mkdir -p /www; echo ok > /www/index.html; exec httpd -f -p 8080 -h /www"`,
      );
    await dialog
      .getByRole('group', { name: 'Ports' })
      .getByRole('button', { name: /Add row/ })
      .click();
    await dialog.getByLabel('Host port 1').fill(String(hostPort));
    await dialog.getByLabel('Container port 1').fill('8080');
    await dialog.getByLabel('Memory limit').fill('64m');
    await dialog.getByLabel('Policy').selectOption('unless-stopped');
    await dialog.getByTestId('run-submit').click();
    await dialog.waitFor({ state: 'detached', timeout: 60_000 });
    const row = containerRow(page, names.container);
    await row.locator('[data-state="running"]').waitFor({ timeout: 30_000 });
    // The agent really got the limits and the policy.
    const inspect = (await api('GET', `/containers/${names.container}/json`)).json() as {
      HostConfig: { Memory: number; RestartPolicy: { Name: string } };
    };
    expect(inspect.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(inspect.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
    // The port is a link to the published port, and it answers.
    const link = row.getByRole('link', { name: `Open port ${hostPort} in the browser` });
    expect(await link.getAttribute('href')).toBe(`http://${o.portHost}:${hostPort}`);
    await expect
      .poll(async () => (await fetch(`http://127.0.0.1:${hostPort}/`).catch(() => undefined))?.status, {
        timeout: 20_000,
      })
      .toBe(200);
    done.add('run');
  });

  it('shows live CPU and memory in the containers table', async (ctx) => {
    needsEngine(ctx, 'containers');
    const { page } = need('run');
    const row = containerRow(page, names.container);
    await expect.poll(() => row.locator('[data-col="cpu"]').textContent(), { timeout: 20_000 }).toMatch(/%/);
    await expect.poll(() => row.locator('[data-col="mem"]').textContent(), { timeout: 20_000 }).toMatch(/B/);
    done.add('live');
  });

  it('shows the logs and finds a line with search', async (ctx) => {
    needsEngine(ctx, 'containers');
    const { page } = need('run');
    await containerRow(page, names.container).getByRole('link', { name: names.container }).click();
    await page.getByRole('tab', { name: 'Logs' }).click();
    const logs = page.getByTestId('logs');
    await expect.poll(() => logs.textContent(), { timeout: 20_000 }).toContain('hello-from-berth');
    expect(await logs.locator('[data-stream="stderr"]').first().textContent()).toContain('second-line');
    await page.getByLabel('Search logs').fill('second');
    await page.getByLabel('Search logs').press('Enter');
    await expect.poll(() => page.getByTestId('logs-matches').textContent()).toBe('1 of 1');
    expect(await logs.locator('mark').first().textContent()).toBe('second');
    if (o.shots) await screenshot(page, `${o.shots}-container-logs`);
    done.add('logs');
  });

  it('runs echo in the terminal and shows the answer', async (ctx) => {
    needsEngine(ctx, 'containers');
    const { page } = need('run');
    await page.getByRole('tab', { name: 'Terminal' }).click();
    await expect
      .poll(() => page.getByTestId('terminal-state').getAttribute('data-state'), { timeout: 20_000 })
      .toBe('open');
    await page.getByTestId('terminal').click();
    await page.keyboard.type('echo berth-$((40+2))\n');
    await expect.poll(() => page.locator('.xterm-rows').textContent(), { timeout: 20_000 }).toContain('berth-42');
    if (o.shots) await screenshot(page, `${o.shots}-container-terminal`);
    done.add('terminal');
  });

  it('draws the stats charts and they move', async (ctx) => {
    needsEngine(ctx, 'containers');
    const { page } = need('run');
    await page.getByRole('tab', { name: 'Stats' }).click();
    const cpu = page.getByTestId('chart-cpu');
    const points = async () => Number(await cpu.getAttribute('data-points'));
    await expect.poll(points, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    const first = await points();
    const d1 = await cpu.locator('path').first().getAttribute('d');
    await expect.poll(points, { timeout: 20_000 }).toBeGreaterThan(first);
    expect(await cpu.locator('path').first().getAttribute('d')).not.toBe(d1);
    await page.waitForTimeout(2500);
    if (o.shots) await screenshot(page, `${o.shots}-container-stats`);
    await page.getByRole('tab', { name: 'Overview' }).click();
    await page.getByTestId('limit-memory').waitFor();
    expect(await page.getByTestId('limit-memory').textContent()).toContain('64.0 MB');
    if (o.shots) await screenshot(page, `${o.shots}-container-overview`);
    done.add('stats');
  });

  it('stops and removes the container', async (ctx) => {
    needsEngine(ctx, 'containers');
    const { page } = need('run');
    await goto(page, 'containers');
    if (o.shots) await screenshot(page, `${o.shots}-containers`);
    const row = containerRow(page, names.container);
    await row.getByRole('button', { name: `Stop ${names.container}` }).click();
    await row.locator('[data-state="exited"]').waitFor({ timeout: 30_000 });
    await row.getByRole('button', { name: `Remove ${names.container}` }).click();
    await confirm(page);
    await row.waitFor({ state: 'detached', timeout: 20_000 });
    expect((await api('GET', `/containers/${names.container}/json`)).status).toBe(404);
    done.add('removed');
  });

  it('builds an image from a Dockerfile with the live log and runs it', async (ctx) => {
    needsEngine(ctx, 'images', 'containers', 'build');
    const { page } = need('host', 'pull');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-ctx-'));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(
      path.join(dir, 'Dockerfile'),
      `FROM ${reg!.images.busybox}\nARG GREETING=hi\nCOPY msg.txt /msg.txt\nRUN echo "built-by-berth $GREETING" >> /msg.txt\nCMD ["cat", "/msg.txt"]\n`,
    );
    fs.writeFileSync(path.join(dir, 'msg.txt'), 'from-context\n');
    await goto(page, 'builds');
    const form = page.getByTestId('build-form');
    await form.getByLabel('Context').selectOption('folder');
    await form.getByTestId('build-folder').setInputFiles(dir);
    await form.getByTestId('build-context-summary').waitFor();
    await form.getByLabel('Tags').fill(names.tag);
    await form.getByTestId('build-submit').click();
    const log = page.getByTestId('build-log');
    const resultEl = page.getByTestId('build-result');
    await expect
      .poll(() => resultEl.textContent().catch(() => ''), { timeout: 180_000 })
      .toMatch(/Succeeded|Failed|Cancelled/);
    const result = await resultEl.textContent();
    expect(result, (await log.textContent()) ?? '').toBe('Succeeded');
    expect(await log.textContent()).toMatch(/step\s+1/i);
    expect(await log.textContent()).toMatch(/step\s+4/i);
    expect(await page.getByTestId('builds-history').textContent()).toContain(names.tag);
    if (o.shots) await screenshot(page, `${o.shots}-builds`);
    await page.getByTestId('build-run').click();
    const dialog = page.getByRole('dialog', { name: 'Run a container' });
    expect(await dialog.getByLabel('Image', { exact: true }).inputValue()).toBe(names.tag);
    await dialog.getByLabel('Name', { exact: true }).fill(names.built);
    await dialog.getByTestId('run-submit').click();
    await dialog.waitFor({ state: 'detached', timeout: 60_000 });
    await goto(page, 'containers');
    await containerRow(page, names.built).getByRole('link', { name: names.built }).click();
    await page.getByRole('tab', { name: 'Logs' }).click();
    await expect.poll(() => page.getByTestId('logs').textContent(), { timeout: 20_000 }).toContain('built-by-berth hi');
    expect(await page.getByTestId('logs').textContent()).toContain('from-context');
    done.add('build');
  });

  it('creates and removes a volume', async (ctx) => {
    needsEngine(ctx, 'volumes', 'containers');
    const { page } = need('host');
    await goto(page, 'volumes');
    await page.getByTestId('open-volume').click();
    await page.getByTestId('volume-form').getByLabel('Name', { exact: true }).fill(names.volume);
    await page.getByTestId('volume-submit').click();
    const row = page.getByTestId(`volume-row-${names.volume}`);
    await row.waitFor({ timeout: 20_000 });
    expect((await api('GET', `/volumes/${names.volume}`)).status).toBe(200);
    if (o.shots) await screenshot(page, `${o.shots}-volumes`);
    await row.getByRole('button', { name: `Remove ${names.volume}` }).click();
    await confirm(page);
    await row.waitFor({ state: 'detached', timeout: 20_000 });
    expect((await api('GET', `/volumes/${names.volume}`)).status).toBe(404);
    done.add('volume');
  });

  it('creates and removes a network', async (ctx) => {
    needsEngine(ctx, 'networks');
    const { page } = need('host');
    await goto(page, 'networks');
    await page.getByTestId('open-network').click();
    const form = page.getByTestId('network-form');
    await form.getByLabel('Name', { exact: true }).fill(names.network);
    await page.getByTestId('network-submit').click();
    const row = page.getByTestId(`network-row-${names.network}`);
    await row.waitFor({ timeout: 20_000 });
    expect((await api('GET', `/networks/${names.network}`)).status).toBe(200);
    if (o.shots) await screenshot(page, `${o.shots}-networks`);
    await row.getByRole('button', { name: `Remove ${names.network}` }).click();
    await confirm(page);
    await row.waitFor({ state: 'detached', timeout: 20_000 });
    expect((await api('GET', `/networks/${names.network}`)).status).toBe(404);
    done.add('network');
  });

  it('does no work while idle (no polling)', async (ctx) => {
    // Without the engine's event stream the UI retries it (a few times, with back-off): not idle.
    needsEngine(ctx, 'events');
    const { page } = need('host');
    await goto(page, 'images');
    if (o.shots) await screenshot(page, `${o.shots}-images`);
    await page.waitForTimeout(1500);
    const before = frames!.count();
    await page.waitForTimeout(5000);
    expect(frames!.channels().slice(before)).toEqual([]);
  });
}
