/**
 * Restart policies with dockerd's back-off (restartmanager): the delay starts at 100 ms and
 * doubles with each restart up to one minute; a container that ran for 10 s or more resets it.
 * `on-failure[:N]` restarts only on a non-zero exit and at most N times; a user's stop wins.
 */
import type { RestartPolicy } from './docker-types';

export const BACKOFF_START_MS = 100;
export const BACKOFF_MAX_MS = 60_000;
export const BACKOFF_RESET_AFTER_MS = 10_000;

export interface RestartInput {
  policy: RestartPolicy;
  exitCode: number;
  /** Restarts done so far (Docker's RestartCount). */
  restartCount: number;
  /** The current back-off delay (0 before the first restart). */
  lastDelayMs: number;
  /** How long the container ran this time. */
  ranForMs: number;
  /** Stopped by the user (docker stop/kill) rather than exited by itself. */
  stoppedByUser: boolean;
  /** The daemon is shutting down. */
  daemonStopping?: boolean;
}

export interface RestartDecision {
  restart: boolean;
  delayMs: number;
}

export function decideRestart(i: RestartInput): RestartDecision {
  const name = i.policy.Name || 'no';
  if (name === 'no' || i.stoppedByUser || i.daemonStopping) return { restart: false, delayMs: 0 };
  if (name === 'on-failure') {
    if (i.exitCode === 0) return { restart: false, delayMs: 0 };
    const max = i.policy.MaximumRetryCount;
    if (max > 0 && i.restartCount >= max) return { restart: false, delayMs: 0 };
  }
  let delay = i.lastDelayMs === 0 || i.ranForMs >= BACKOFF_RESET_AFTER_MS ? BACKOFF_START_MS : i.lastDelayMs * 2;
  if (delay > BACKOFF_MAX_MS) delay = BACKOFF_MAX_MS;
  return { restart: true, delayMs: delay };
}

/** Should a container that is not running be started when the agent starts? */
export function startOnDaemonStart(policy: RestartPolicy, stoppedByUser: boolean, wasRunning: boolean): boolean {
  const name = policy.Name || 'no';
  if (name === 'always') return true;
  if (name === 'unless-stopped') return !stoppedByUser;
  if (name === 'on-failure') return wasRunning && !stoppedByUser;
  return false;
}
