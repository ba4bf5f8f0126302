/**
 * The UI at scale, shared by the 1,000-container test and `npm run bench`: opens the real UI in
 * chromium with the in-page fake bridge holding N containers, and measures scrolling (frame
 * intervals and chromium's own main-thread time per frame) and filtering (input to paint).
 */
import type { Page } from 'playwright-core';
import { launchBrowser, type BrowserHandle } from './browser';
import { installFakeBerth } from './fake-berth';
import { startWeb, type WebHandle } from './web';

export interface Spread {
  n: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

export function spread(xs: number[]): Spread {
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

export interface ScaleUi {
  web: WebHandle;
  browser: BrowserHandle;
  page: Page;
  firstRenderMs: number;
  close(): Promise<void>;
}

export async function openScaleUi(containers: number): Promise<ScaleUi> {
  const web = await startWeb();
  const browser = await launchBrowser({ width: 1440, height: 900 });
  const page = browser.page;
  // Bundlers that keep function names (tsx) wrap functions with __name: give the page one.
  await page.addInitScript('window.__name = window.__name || ((f) => f)');
  await page.addInitScript(installFakeBerth, { containers, now: Date.now() });
  const t0 = Date.now();
  await page.goto(web.url);
  await page
    .getByTestId('containers-count')
    .filter({ hasText: `${containers} of ${containers}` })
    .waitFor();
  const firstRenderMs = Date.now() - t0;
  return {
    web,
    browser,
    page,
    firstRenderMs,
    async close() {
      await browser.close();
      await web.stop();
    },
  };
}

export interface ScrollFigures {
  frameMs: Spread;
  mainThreadMsPerFrame: { script: number; style: number; layout: number };
  longTasks: number;
  maxDomRows: number;
  pixels: number;
}

/** Scrolls the table from top to bottom, 90 px per frame. */
export async function measureScroll(ui: ScaleUi): Promise<ScrollFigures> {
  const { page } = ui;
  const cdp = await ui.browser.context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const metric = async (): Promise<Record<string, number>> =>
    Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const m0 = await metric();
  const r = await page.evaluate(
    () =>
      new Promise<{ frames: number[]; maxRows: number; longTasks: number; endTop: number }>((resolve) => {
        const vp = document.querySelector<HTMLElement>('[data-testid="containers-grid"] .vl-viewport')!;
        vp.scrollTop = 0;
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
  await cdp.detach();
  const perFrame = (k: string): number =>
    Math.round(((((m1[k] ?? 0) - (m0[k] ?? 0)) * 1000) / r.frames.length) * 100) / 100;
  return {
    frameMs: spread(r.frames),
    mainThreadMsPerFrame: {
      script: perFrame('ScriptDuration'),
      style: perFrame('RecalcStyleDuration'),
      layout: perFrame('LayoutDuration'),
    },
    longTasks: r.longTasks,
    maxDomRows: r.maxRows,
    pixels: r.endTop,
  };
}

/** Types `text` into the filter box; per keystroke, the time from the input event to the next paint. */
export async function measureFilter(ui: ScaleUi, text: string): Promise<Spread> {
  const { page } = ui;
  await page.evaluate(() => {
    const input = document.querySelector<HTMLInputElement>('[data-search]')!;
    const w = window as unknown as { __filterTimes: number[]; __filterHooked?: boolean };
    w.__filterTimes = [];
    if (w.__filterHooked) return;
    w.__filterHooked = true;
    input.addEventListener('input', () => {
      const t0 = performance.now();
      requestAnimationFrame(() => setTimeout(() => w.__filterTimes.push(performance.now() - t0), 0));
    });
  });
  await page.getByLabel('Filter containers').pressSequentially(text, { delay: 60 });
  await page.waitForTimeout(200);
  return spread(await page.evaluate(() => (window as unknown as { __filterTimes: number[] }).__filterTimes));
}
