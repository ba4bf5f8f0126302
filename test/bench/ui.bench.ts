/** The UI with 1,000 containers in Debian chromium (in-page fake bridge): scroll and filter cost. */
import fs from 'node:fs';
import { distDir } from '../support/env';
import { CHROMIUM } from '../e2e/support/browser';
import { measureFilter, measureScroll, openScaleUi } from '../e2e/support/scale';
import type { Benchmark } from './harness';

export const benchmarks: Benchmark[] = [
  {
    id: 'ui.table-1000',
    title: 'UI: containers table with 1,000 rows (chromium)',
    skip: () =>
      !fs.existsSync(CHROMIUM)
        ? 'needs Debian chromium (/usr/bin/chromium)'
        : !fs.existsSync(`${distDir}/web/berth-web.cjs`)
          ? 'needs the built web mode (npm run build)'
          : undefined,
    async run() {
      const ui = await openScaleUi(1000);
      try {
        const s = await measureScroll(ui);
        const f = await measureFilter(ui, 'worker-5');
        const main = s.mainThreadMsPerFrame;
        return [
          { name: 'first render of 1,000 rows (page load to table)', value: ui.firstRenderMs, unit: 'ms' },
          {
            name: 'scroll: main-thread work per frame (script+style+layout)',
            value: Math.round((main.script + main.style + main.layout) * 100) / 100,
            unit: 'ms',
            samples: s.frameMs.n,
            target: '< 16.7 ms (60 fps)',
          },
          { name: 'scroll: frame interval, median', value: s.frameMs.p50, unit: 'ms', samples: s.frameMs.n },
          { name: 'scroll: frame interval, p95', value: s.frameMs.p95, unit: 'ms', samples: s.frameMs.n },
          { name: 'scroll: rows in the DOM (max)', value: s.maxDomRows, unit: 'count' },
          { name: 'filter: input to paint, median', value: f.p50, unit: 'ms', samples: f.n },
          { name: 'filter: input to paint, p95', value: f.p95, unit: 'ms', samples: f.n },
        ];
      } finally {
        await ui.close();
      }
    },
  },
];
