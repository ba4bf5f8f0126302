import { beforeEach, describe, expect, it } from 'vitest';
import { installFakeBridge, type FakeBridge } from '@/testing/fake-bridge';
import { flush, mountWith } from '@/testing/mount';
import LogsTab from './LogsTab.vue';

describe('Logs tab', () => {
  let bridge: FakeBridge;
  beforeEach(() => {
    document.body.innerHTML = '';
    Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 400 });
    bridge = installFakeBridge();
  });

  it('follows the log stream, colours stderr, searches with highlight, stops and resumes following', async () => {
    const w = mountWith(LogsTab, { props: { hostId: 'h1', id: 'c1', name: 'web', running: true } });
    await flush();
    const [s] = bridge.openStreams('containers:logs');
    expect(s!.args).toEqual({ hostId: 'h1', id: 'c1', timestamps: true, tail: 1000 });
    s!.push([
      { stream: 'stdout', text: 'hello', ts: '2026-01-01T00:00:01.000000000Z' },
      { stream: 'stderr', text: 'an error line', ts: '2026-01-01T00:00:02.000000000Z' },
    ]);
    await flush();
    const lines = w.findAll('.line');
    expect(lines.map((l) => l.text())).toEqual(['hello', 'an error line']);
    expect(lines[1]!.classes()).toContain('stderr');

    await w.find('input[aria-label="Timestamps"], [data-testid="logs-timestamps"]').setValue(true);
    expect(w.find('.line .ts').text()).toBe('2026-01-01 00:00:01.000');

    const search = w.find('input[type="search"]');
    await search.setValue('ERROR');
    await search.trigger('keydown', { key: 'Enter' });
    await flush();
    expect(w.find('[data-testid="logs-matches"]').text()).toBe('1 of 1');
    expect(w.find('mark').text()).toBe('error');

    // Stop following: the stream closes; resume: it continues after the last line.
    await w.find('[data-testid="logs-follow"]').setValue(false);
    expect(bridge.openStreams('containers:logs')).toHaveLength(0);
    await w.find('[data-testid="logs-follow"]').setValue(true);
    const again = bridge.openStreams('containers:logs');
    expect(again).toHaveLength(1);
    expect(again[0]!.args).toMatchObject({ since: '2026-01-01T00:00:02.000000000Z' });
    // A line already shown is not shown twice.
    again[0]!.push([
      { stream: 'stderr', text: 'an error line', ts: '2026-01-01T00:00:02.000000000Z' },
      { stream: 'stdout', text: 'later', ts: '2026-01-01T00:00:03.000000000Z' },
    ]);
    await flush();
    expect(w.text()).toContain('3 lines');
    w.unmount();
    expect(bridge.openStreams('containers:logs')).toHaveLength(0);
  });
});
