import { describe, expect, it } from 'vitest';
import { decideRestart, startOnDaemonStart } from './restart-policy';

const base = { exitCode: 1, restartCount: 0, lastDelayMs: 0, ranForMs: 50, stoppedByUser: false };

describe('restart policy', () => {
  it('never restarts with "no" or after a user stop', () => {
    expect(decideRestart({ ...base, policy: { Name: 'no', MaximumRetryCount: 0 } }).restart).toBe(false);
    expect(
      decideRestart({ ...base, policy: { Name: 'always', MaximumRetryCount: 0 }, stoppedByUser: true }).restart,
    ).toBe(false);
  });
  it('on-failure:2 stops after two retries and ignores clean exits', () => {
    const p = { Name: 'on-failure' as const, MaximumRetryCount: 2 };
    expect(decideRestart({ ...base, policy: p, restartCount: 0 }).restart).toBe(true);
    expect(decideRestart({ ...base, policy: p, restartCount: 1 }).restart).toBe(true);
    expect(decideRestart({ ...base, policy: p, restartCount: 2 }).restart).toBe(false);
    expect(decideRestart({ ...base, policy: p, exitCode: 0 }).restart).toBe(false);
  });
  it('backs off 100 ms doubling to a minute, reset by a 10 s run', () => {
    const p = { Name: 'always' as const, MaximumRetryCount: 0 };
    let d = 0;
    const seen: number[] = [];
    for (let i = 0; i < 12; i++) {
      d = decideRestart({ ...base, policy: p, lastDelayMs: d }).delayMs;
      seen.push(d);
    }
    expect(seen.slice(0, 4)).toEqual([100, 200, 400, 800]);
    expect(seen.at(-1)).toBe(60_000);
    expect(decideRestart({ ...base, policy: p, lastDelayMs: 60_000, ranForMs: 10_000 }).delayMs).toBe(100);
  });
  it('decides what comes back when the agent starts', () => {
    expect(startOnDaemonStart({ Name: 'always', MaximumRetryCount: 0 }, true, false)).toBe(true);
    expect(startOnDaemonStart({ Name: 'unless-stopped', MaximumRetryCount: 0 }, true, false)).toBe(false);
    expect(startOnDaemonStart({ Name: 'unless-stopped', MaximumRetryCount: 0 }, false, true)).toBe(true);
    expect(startOnDaemonStart({ Name: 'no', MaximumRetryCount: 0 }, false, true)).toBe(false);
  });
});
