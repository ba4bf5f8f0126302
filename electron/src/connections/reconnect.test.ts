import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_RECONNECT, HealthMonitor } from './reconnect';

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap, within ±20 % jitter', () => {
    const mid = () => 0.5; // no jitter
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, { initialDelayMs: 100, maxDelayMs: 1000 }, mid))).toEqual([
      100, 200, 400, 800,
    ]);
    expect(backoffDelay(10, { initialDelayMs: 100, maxDelayMs: 1000 }, mid)).toBe(1000);
    expect(backoffDelay(1, {}, () => 0)).toBe(Math.round(DEFAULT_RECONNECT.initialDelayMs * 0.8));
    expect(backoffDelay(1, {}, () => 1)).toBe(Math.round(DEFAULT_RECONNECT.initialDelayMs * 1.2));
    expect(backoffDelay(50, {}, () => 1)).toBe(DEFAULT_RECONNECT.maxDelayMs);
  });
});

describe('HealthMonitor', () => {
  it('reports a loss after consecutive failures, once, and stops', async () => {
    let ok = true;
    let pings = 0;
    const lost: Error[] = [];
    const m = new HealthMonitor(
      async () => {
        pings++;
        if (!ok) throw new Error('down');
      },
      20,
      (err) => lost.push(err),
    );
    m.start();
    await new Promise((r) => setTimeout(r, 70));
    expect(lost).toEqual([]);
    ok = false;
    await new Promise((r) => setTimeout(r, 150));
    expect(lost.map((e) => e.message)).toEqual(['down']);
    const after = pings;
    await new Promise((r) => setTimeout(r, 60));
    expect(pings).toBe(after);
  });

  it('checkNow reports at the first failure', async () => {
    const lost: Error[] = [];
    const m = new HealthMonitor(
      async () => {
        throw new Error('gone');
      },
      60_000,
      (err) => lost.push(err),
    );
    m.start();
    m.checkNow();
    await new Promise((r) => setTimeout(r, 10));
    expect(lost).toHaveLength(1);
    m.stop();
  });
});
