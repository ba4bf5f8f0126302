/**
 * The containers table with 1,000 containers, in real chromium: the real UI (store, filters,
 * virtual list) fed through an in-page fake bridge (creating 1,000 real containers would take
 * minutes and measure the engine, not the UI). Asserts behaviour — only the visible rows are in
 * the DOM, filtering finds the right rows, stats streams exist only for visible running rows, no
 * polling while idle — and writes the measured scroll frame and filter input-to-paint times to
 * test-output/bench/ui-1000.json (figures, not assertions; `npm run bench` measures them too).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testOutput } from '../support/env';
import { measureFilter, measureScroll, openScaleUi, type ScaleUi } from './support/scale';

const N = 1000;
const figures: Record<string, unknown> = { containers: N };
const rowsInDom = (ui: ScaleUi) => ui.page.locator('[data-testid="containers-grid"] .vl-viewport [role="row"]').count();

describe('UI with 1,000 containers (chromium, fake bridge)', () => {
  let ui: ScaleUi;

  beforeAll(async () => {
    ui = await openScaleUi(N);
    figures.firstRenderMs = ui.firstRenderMs;
  });

  afterAll(async () => {
    await ui?.close();
    fs.mkdirSync(path.join(testOutput, 'bench'), { recursive: true });
    fs.writeFileSync(path.join(testOutput, 'bench', 'ui-1000.json'), JSON.stringify(figures, null, 2) + '\n');
    console.log(`UI 1,000 containers: ${JSON.stringify(figures)}`);
  });

  it('renders only the rows in view', async () => {
    const rows = await rowsInDom(ui);
    expect(rows).toBeGreaterThan(10);
    expect(rows).toBeLessThan(60);
    figures.domRows = rows;
  });

  it('scrolls the whole list (frame times measured)', async () => {
    const s = await measureScroll(ui);
    expect(s.maxDomRows).toBeLessThan(60);
    // The last container is reachable and rendered.
    await ui.page.locator('[data-testid="containers-grid"]').getByText(/-999$/).first().waitFor();
    figures.scroll = s;
  });

  it('filters as you type (input-to-paint measured)', async () => {
    const { page } = ui;
    const count = page.getByTestId('containers-count');
    figures.filter = { inputToPaintMs: await measureFilter(ui, 'worker-5') };
    // worker rows are i % 4 === 1; their names end in the index.
    const expected = Array.from({ length: N }, (_, i) => i).filter(
      (i) => i % 4 === 1 && String(i).startsWith('5'),
    ).length;
    expect(await count.textContent()).toBe(`${expected} of ${N}`);
    await page.getByLabel('Filter containers').fill('nothing-matches-this');
    await page.getByText('No container matches the filter.').waitFor();
    await page.getByLabel('Filter containers').fill('');
    await count.filter({ hasText: `${N} of ${N}` }).waitFor();
    // Grouped by compose project: headers appear, and still only the visible rows are in the DOM.
    await page.getByLabel('Group by compose project').check();
    await page.getByTestId('group-analytics').waitFor();
    expect(await rowsInDom(ui)).toBeLessThan(60);
    await page.getByLabel('Group by compose project').uncheck();
  });

  it('streams stats only for visible running rows and does not poll when idle', async () => {
    const { page } = ui;
    // Streams of rows scrolled away linger 2 s (so scrolling back does not churn): wait them out.
    await page.waitForTimeout(3000);
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
