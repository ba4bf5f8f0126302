import { describe, expect, it } from 'vitest';
import { humanDuration } from './human';
import { inspectState, statusText, type StateFacts } from './state';

const base: StateFacts = {
  status: 'running',
  pid: 42,
  exitCode: 0,
  oomKilled: false,
  startedAt: undefined,
  finishedAt: undefined,
  error: '',
  health: undefined,
};

describe('container state text', () => {
  it('formats durations like go-units', () => {
    expect(humanDuration(300)).toBe('Less than a second');
    expect(humanDuration(1000)).toBe('1 second');
    expect(humanDuration(59_000)).toBe('59 seconds');
    expect(humanDuration(61_000)).toBe('About a minute');
    expect(humanDuration(30 * 60_000)).toBe('30 minutes');
    expect(humanDuration(3_600_000)).toBe('About an hour');
    expect(humanDuration(5 * 3_600_000)).toBe('5 hours');
    expect(humanDuration(3 * 86_400_000)).toBe('3 days');
  });
  it('gives docker ps STATUS texts', () => {
    const now = Date.parse('2024-01-01T00:10:00Z');
    const started = '2024-01-01T00:00:00Z';
    expect(statusText({ ...base, startedAt: started }, now)).toBe('Up 10 minutes');
    expect(statusText({ ...base, status: 'paused', startedAt: started }, now)).toBe('Up 10 minutes (Paused)');
    expect(
      statusText({ ...base, startedAt: started, health: { Status: 'starting', FailingStreak: 0, Log: [] } }, now),
    ).toBe('Up 10 minutes (health: starting)');
    expect(
      statusText({ ...base, startedAt: started, health: { Status: 'healthy', FailingStreak: 0, Log: [] } }, now),
    ).toBe('Up 10 minutes (healthy)');
    expect(statusText({ ...base, status: 'exited', exitCode: 137, finishedAt: '2024-01-01T00:09:58Z' }, now)).toBe(
      'Exited (137) 2 seconds ago',
    );
    expect(statusText({ ...base, status: 'created' }, now)).toBe('Created');
  });
  it('shapes inspect State', () => {
    const s = inspectState({ ...base, status: 'exited', exitCode: 3, pid: 99 });
    expect(s).toMatchObject({
      Status: 'exited',
      Running: false,
      Pid: 0,
      ExitCode: 3,
      StartedAt: '0001-01-01T00:00:00Z',
    });
    expect(inspectState({ ...base, status: 'paused' })).toMatchObject({ Running: true, Paused: true, Pid: 42 });
  });
});
