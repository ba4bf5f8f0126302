import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StatsSample } from '@contract';
import { installFakeBridge, type FakeBridge } from '@/testing/fake-bridge';
import { freshPinia } from '@/testing/mount';
import { openFeed, resetFeeds } from './engine-feed';
import { HISTORY_SAMPLES, useStatsStore } from './stats';

const sample = (i: number): StatsSample => ({
  read: new Date(1_700_000_000_000 + i * 1000).toISOString(),
  cpuPercent: i,
  onlineCpus: 2,
  memUsage: 1,
  memLimit: 2,
  memPercent: 50,
  netRx: 0,
  netTx: 0,
  blockRead: 0,
  blockWrite: 0,
  pids: 1,
});

describe('stats store', () => {
  let bridge: FakeBridge;
  beforeEach(() => {
    vi.useFakeTimers();
    resetFeeds();
    bridge = installFakeBridge();
    freshPinia();
  });
  afterEach(() => vi.useRealTimers());

  it('shares one stream per container and closes it after the last viewer leaves', async () => {
    const stats = useStatsStore();
    const r1 = stats.retain('h', 'c1');
    const r2 = stats.retain('h', 'c1');
    expect(bridge.openStreams('containers:stats')).toHaveLength(1);
    r1();
    await vi.advanceTimersByTimeAsync(5000);
    expect(bridge.openStreams('containers:stats')).toHaveLength(1);
    r2();
    // A short linger: scrolling away and back does not reopen the stream.
    const r3 = stats.retain('h', 'c1');
    expect(bridge.streams).toHaveLength(1);
    r3();
    await vi.advanceTimersByTimeAsync(2500);
    expect(bridge.openStreams('containers:stats')).toHaveLength(0);
    expect(stats.get('h', 'c1')).toBeUndefined();
  });

  it('reopens a stream cut by a lost host when the host comes back', async () => {
    const stats = useStatsStore();
    stats.retain('h', 'c1');
    bridge.openStreams('containers:stats')[0]!.end({ code: 'Unavailable', message: 'lost' });
    expect(bridge.openStreams('containers:stats')).toHaveLength(0);
    // The host's event feed reopens after the gap and tells its listeners to resync.
    openFeed('h', true);
    bridge.openStreams('engine:events')[0]!.open({});
    expect(bridge.openStreams('containers:stats')).toHaveLength(1);
  });

  it('keeps the last minutes of samples for the charts', () => {
    const stats = useStatsStore();
    stats.retain('h', 'c1');
    const s = bridge.openStreams('containers:stats')[0]!;
    for (let i = 0; i < HISTORY_SAMPLES + 10; i++) s.push(sample(i));
    const e = stats.get('h', 'c1')!;
    expect(e.history.value).toHaveLength(HISTORY_SAMPLES);
    expect(e.latest.value?.cpuPercent).toBe(HISTORY_SAMPLES + 9);
    expect(e.history.value[0]!.cpuPercent).toBe(10);
  });
});
