/**
 * A container's state in the Engine API's shape (inspect .State, ps Status text), computed from
 * the runtime's facts. The containers module owns the Docker view; the runtime owns processes.
 */
import { humanDuration } from './human';
import type { HealthState } from './health';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface StateFacts {
  status: ContainerStatus;
  pid: number;
  exitCode: number;
  oomKilled: boolean;
  /** ISO times; undefined when never started/finished. */
  startedAt: string | undefined;
  finishedAt: string | undefined;
  error: string;
  health: HealthState | undefined;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function inspectState(f: StateFacts): Record<string, unknown> {
  return {
    Status: f.status,
    Running: f.status === 'running' || f.status === 'paused' || f.status === 'restarting',
    Paused: f.status === 'paused',
    Restarting: f.status === 'restarting',
    OOMKilled: f.oomKilled,
    Dead: f.status === 'dead',
    Pid: f.status === 'running' || f.status === 'paused' ? f.pid : 0,
    ExitCode: f.exitCode,
    Error: f.error,
    StartedAt: f.startedAt ?? ZERO_TIME,
    FinishedAt: f.finishedAt ?? ZERO_TIME,
    ...(f.health
      ? { Health: { Status: f.health.Status, FailingStreak: f.health.FailingStreak, Log: f.health.Log } }
      : {}),
  };
}

/** `docker ps` STATUS column text (moby container/state.go String()). */
export function statusText(f: StateFacts, now = Date.now()): string {
  const since = (iso: string | undefined): string =>
    humanDuration(Math.max(0, now - Date.parse(iso ?? new Date(now).toISOString())));
  switch (f.status) {
    case 'running':
    case 'paused': {
      let s = `Up ${since(f.startedAt)}`;
      if (f.status === 'paused') return `${s} (Paused)`;
      if (f.health && f.health.Status !== 'none') {
        s += f.health.Status === 'starting' ? ' (health: starting)' : ` (${f.health.Status})`;
      }
      return s;
    }
    case 'restarting':
      return `Restarting (${f.exitCode}) ${since(f.finishedAt)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'created':
      return 'Created';
    case 'exited':
      return f.finishedAt ? `Exited (${f.exitCode}) ${since(f.finishedAt)} ago` : 'Created';
  }
}
