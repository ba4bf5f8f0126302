/**
 * The containers table with 1,000 containers, in real chromium: the real UI (store, filters,
 * virtual list) fed through an in-page fake bridge (creating 1,000 real containers would take
 * minutes and measure the engine, not the UI). Asserts behaviour — only the visible rows are in
 * the DOM, filtering finds the right rows, stats streams exist only for visible running rows, no
 * polling while idle — and writes the measured scroll frame and filter input-to-paint times to
 * test-output/bench/ui-1000.json (figures, not assertions).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testOutput } from '../support/env';
import { launchBrowser, type BrowserHandle } from './support/browser';
import { installFakeBerth } from './support/fake-berth';
import { startWeb, type WebHandle } from './support/web';

const N = 1000;
const figures: Record<string, unknown> = { containers: N };

function stats(xs: number[]): { n: number; p50: number; p95: number; max: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  const r = (v: number): number => Math.round(v * 100) / 100;
  return {
    n: s.length,
    p50: r(q(0.5)),
    p95: r(q(0.95)),
    max: r(s[s.length - 1] ?? 0),
    mean: r(s.reduce((a, b) => a + b, 0) / (s.length || 1)),
  };
}

describe('UI with 1,000 containers (chromium, fake bridge)', () => {
  let web: WebHandle;
  let browser: BrowserHandle;

  beforeAll(async () => {
    web = await startWeb();
    browser = await launchBrowser({ width: 1440, height: 900 });
    await browser.page.addInitScript(installFakeBerth, { containers: N, now: Date.now() });
    const t0 = Date.now();
    await browser.page.goto(web.url);
    await browser.page.getByTestId('containers-grid').waitFor();
    await browser.page
      .getByTestId('containers-count')
      .filter({ hasText: `${N} of ${N}` })
      .waitFor();
    figures.firstRenderMs = Date.now() - t0;
  });

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    fs.mkdirSync(path.join(testOutput, 'bench'), { recursive: true });
    fs.writeFileSync(path.join(testOutput, 'bench', 'ui-1000.json'), JSON.stringify(figures, null, 2) + '\n');
    console.log(`UI 1,000 containers: ${JSON.stringify(figures)}`);
  });

  it('renders only the rows in view', async () => {
    const rows = await browser.page.locator('[data-testid="containers-grid"] .vl-viewport [role="row"]').count();
    expect(rows).toBeGreaterThan(10);
    expect(rows).toBeLessThan(60);
    figures.domRows = rows;
  });

  it('scrolls the whole list smoothly (frame times measured)', async () => {
    const page = browser.page;
    // Main-thread work (script, style, layout) as chromium counts it, to separate the UI's own
    // cost from frame intervals that a busy shared machine stretches.
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const metric = async (): Promise<Record<string, number>> =>
      Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const m0 = await metric();
    const r = await page.evaluate(
      () =>
        new Promise<{ frames: number[]; maxRows: number; longTasks: number; endTop: number }>((resolve) => {
          const vp = document.querySelector<HTMLElement>('[data-testid="containers-grid"] .vl-viewport')!;
          const frames: number[] = [];
          let maxRows = 0;
          let longTasks = 0;
          const po = new PerformanceObserver((l) => (longTasks += l.getEntries().length));
          try {
            po.observe({ type: 'longtask', buffered: false });
          } catch {
            /* not supported */
          }
          let last = performance.now();
          const step = (now: number): void => {
            frames.push(now - last);
            last = now;
            maxRows = Math.max(maxRows, vp.querySelectorAll('[role="row"]').length);
            if (vp.scrollTop + vp.clientHeight >= vp.scrollHeight - 1) {
              po.disconnect();
              resolve({ frames: frames.slice(1), maxRows, longTasks, endTop: vp.scrollTop });
              return;
            }
            vp.scrollTop += 90;
            requestAnimationFrame(step);
          };
          requestAnimationFrame(step);
        }),
    );
    const m1 = await metric();
    const work = (k: string): number => ((m1[k] ?? 0) - (m0[k] ?? 0)) * 1000;
    const perFrame = (k: string): number => Math.round((work(k) / r.frames.length) * 100) / 100;
    expect(r.maxRows).toBeLessThan(60);
    // The last container is reachable and rendered.
    await page.locator('[data-testid="containers-grid"]').getByText(/-999$/).first().waitFor();
    figures.scroll = {
      frameMs: stats(r.frames),
      mainThreadMsPerFrame: {
        script: perFrame('ScriptDuration'),
        style: perFrame('RecalcStyleDuration'),
        layout: perFrame('LayoutDuration'),
      },
      longTasks: r.longTasks,
      maxDomRows: r.maxRows,
      pixels: r.endTop,
    };
    await cdp.detach();
  });

  it('filters as you type (input-to-paint measured)', async () => {
    const page = browser.page;
    const search = page.getByLabel('Filter containers');
    await page.evaluate(() => {
      const input = document.querySelector<HTMLInputElement>('[data-search]')!;
      const times: number[] = [];
      (window as unknown as { __filterTimes: number[] }).__filterTimes = times;
      input.addEventListener('input', () => {
        const t0 = performance.now();
        requestAnimationFrame(() => setTimeout(() => times.push(performance.now() - t0), 0));
      });
    });
    await search.pressSequentially('worker-5', { delay: 60 });
    await page
      .getByTestId('containers-count')
      .filter({ hasText: /^\d+ of 1000$/ })
      .waitFor();
    const count = await page.getByTestId('containers-count').textContent();
    // worker rows are i % 4 === 1; names end in -5xx, -5 or -5x.
    const expected = Array.from({ length: N }, (_, i) => i).filter(
      (i) => i % 4 === 1 && String(i).startsWith('5'),
    ).length;
    expect(count).toBe(`${expected} of ${N}`);
    await search.fill('');
    await page
      .getByTestId('containers-count')
      .filter({ hasText: `${N} of ${N}` })
      .waitFor();
    await search.pressSequentially('nothing-matches-this', { delay: 40 });
    await page.getByText('No container matches the filter.').waitFor();
    await search.fill('');
    const times = await page.evaluate(() => (window as unknown as { __filterTimes: number[] }).__filterTimes);
    figures.filter = { inputToPaintMs: stats(times) };
    // Grouped by compose project: headers appear, and still only the visible rows are in the DOM.
    await page.getByLabel('Group by compose project').check();
    await page.getByTestId('group-analytics').waitFor();
    expect(await page.locator('[data-testid="containers-grid"] .vl-viewport [role="row"]').count()).toBeLessThan(60);
    await page.getByLabel('Group by compose project').uncheck();
  });

  it('streams stats only for visible running rows and does not poll when idle', async () => {
    const page = browser.page;
    await page.waitForTimeout(1500);
    const open = await page.evaluate(
      () => (window as unknown as { __berthOpenStats: Set<string> }).__berthOpenStats.size,
    );
    const runningVisible = await page
      .locator('[data-testid="containers-grid"] .vl-viewport [data-state="running"]')
      .count();
    expect(open).toBeGreaterThan(0);
    expect(open).toBeLessThanOrEqual(runningVisible);
    await expect
      .poll(() => page.locator('[data-col="cpu"]').filter({ hasText: '%' }).count(), { timeout: 10_000 })
      .toBeGreaterThan(0);
    const calls = async (): Promise<number> =>
      page.evaluate(() => (window as unknown as { __berthCalls: string[] }).__berthCalls.length);
    const before = await calls();
    await page.waitForTimeout(4000);
    expect(await calls()).toBe(before);
    figures.idle = { statsStreams: open, runningRowsInView: runningVisible, callsIn4sIdle: (await calls()) - before };
  });
});
