/**
 * Reconnect policy (exponential back-off with jitter) and the agent health check that notices
 * an agent gone while the transport still stands (an SSH connection outlives a killed berthd).
 */
import type { ReconnectPolicy } from './types';

export const DEFAULT_RECONNECT: Required<ReconnectPolicy> = {
  maxAttempts: 20,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
};

/** Delay before attempt n (1-based): initial · 2^(n-1), capped, ±20 % jitter so app instances spread out. */
export function backoffDelay(
  attempt: number,
  policy: ReconnectPolicy = {},
  random: () => number = Math.random,
): number {
  const p = { ...DEFAULT_RECONNECT, ...policy };
  const base = Math.min(p.maxDelayMs, p.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  const jitter = 1 + (random() * 0.4 - 0.2);
  return Math.max(0, Math.round(Math.min(p.maxDelayMs, base * jitter)));
}

/**
 * Pings on an interval; after `failures` consecutive failures (or one failed checkNow) reports
 * the agent lost, once. Timers are unref'd: a health check never keeps the process alive.
 */
export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private misses = 0;
  private running = false;
  private stopped = false;

  constructor(
    private readonly ping: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly onLost: (err: Error) => void,
    private readonly failures = 2,
  ) {}

  start(): void {
    if (this.stopped || this.timer) return;
    this.timer = setInterval(() => void this.check(false), this.intervalMs);
    this.timer.unref();
  }

  /** Check at once (e.g. a dial failed); one failure is enough then. */
  checkNow(): void {
    void this.check(true);
  }

  private async check(urgent: boolean): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      await this.ping();
      this.misses = 0;
    } catch (err) {
      this.misses++;
      if (!this.stopped && (urgent || this.misses >= this.failures)) {
        this.stop();
        this.onLost(err instanceof Error ? err : new Error(String(err)));
      }
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
