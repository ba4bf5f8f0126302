import { describe, expect, it } from 'vitest';
import { HealthMonitor, mergeHealth, probeCommand, type ProbeResult } from './health';

describe('health checks', () => {
  it('builds the probe command', () => {
    expect(probeCommand({ Test: ['CMD', 'true'] })).toEqual(['true']);
    expect(probeCommand({ Test: ['CMD-SHELL', 'wget -q localhost'] })).toEqual(['/bin/sh', '-c', 'wget -q localhost']);
    expect(probeCommand({ Test: ['NONE'] })).toBeUndefined();
    expect(probeCommand(undefined)).toBeUndefined();
  });
  it('merges create over image', () => {
    expect(mergeHealth({ Test: ['CMD', 'a'], Interval: 5e9, Retries: 2 }, { Interval: 1e9 })).toEqual({
      Test: ['CMD', 'a'],
      Interval: 1e9,
      Retries: 2,
    });
  });
  it('turns healthy, then unhealthy after Retries failures, keeping five log entries', async () => {
    const results: ProbeResult[] = [
      { exitCode: 0, output: 'ok' },
      { exitCode: 1, output: 'bad' },
      { exitCode: 1, output: 'bad' },
      { exitCode: 1, output: 'bad' },
      { exitCode: 1, output: 'x'.repeat(10000) },
      { exitCode: 0, output: 'ok' },
    ];
    const seen: string[] = [];
    const m = new HealthMonitor(
      ['probe'],
      { Retries: 3 },
      async () => results.shift()!,
      (s) => seen.push(s),
    );
    for (let i = 0; i < 6; i++) await m.runOnce();
    expect(seen).toEqual(['healthy', 'unhealthy', 'healthy']);
    expect(m.state.Log).toHaveLength(5);
    expect(m.state.Log[3]!.Output).toHaveLength(4096);
    expect(m.state.FailingStreak).toBe(0);
    m.stop();
  });
  it('does not count failures in the start period and reports timeouts', async () => {
    const seen: string[] = [];
    const m = new HealthMonitor(
      ['p'],
      { Retries: 1, StartPeriod: 60e9, Timeout: 20e6 },
      () => new Promise(() => undefined),
      (s) => seen.push(s),
    );
    await m.runOnce();
    expect(m.state.Status).toBe('starting');
    expect(m.state.FailingStreak).toBe(0);
    expect(m.state.Log[0]!.ExitCode).toBe(-1);
    expect(m.state.Log[0]!.Output).toMatch(/exceeded timeout/);
    m.stop();
    expect(seen).toEqual([]);
  });
});
