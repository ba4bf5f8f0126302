/**
 * Health checks as dockerd runs them (daemon/health.go): a probe every Interval with a Timeout;
 * exit 0 is healthy, anything else (or a timeout) a failure; `Retries` consecutive failures make
 * the container unhealthy; failures inside StartPeriod do not count until the first success.
 * The last five results are kept, each output cut at 4 KiB.
 */
import type { HealthConfig } from './docker-types';

export const DEFAULT_INTERVAL_NS = 30e9;
export const DEFAULT_TIMEOUT_NS = 30e9;
export const DEFAULT_RETRIES = 3;
const MAX_LOG = 5;
const MAX_OUTPUT = 4096;

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy' | 'none';

export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface HealthState {
  Status: HealthStatus;
  FailingStreak: number;
  Log: HealthLogEntry[];
}

export interface ProbeResult {
  exitCode: number;
  output: string;
}

export type Probe = (args: string[], timeoutMs: number, signal: AbortSignal) => Promise<ProbeResult>;

/** The effective health config: the create request's fields over the image's. */
export function mergeHealth(
  image: HealthConfig | undefined,
  create: HealthConfig | undefined,
): HealthConfig | undefined {
  if (!image && !create) return undefined;
  const out: HealthConfig = { ...image };
  for (const [k, v] of Object.entries(create ?? {}) as Array<[keyof HealthConfig, HealthConfig[keyof HealthConfig]]>) {
    if (v === undefined || v === 0 || (Array.isArray(v) && v.length === 0)) continue;
    (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** The probe command, or undefined when there is no check (none configured, or NONE). */
export function probeCommand(h: HealthConfig | undefined, shell: string[] = ['/bin/sh', '-c']): string[] | undefined {
  const test = h?.Test ?? [];
  if (test.length === 0 || test[0] === 'NONE') return undefined;
  if (test[0] === 'CMD') return test.length > 1 ? test.slice(1) : undefined;
  if (test[0] === 'CMD-SHELL') return test.length > 1 ? [...shell, test.slice(1).join(' ')] : undefined;
  return undefined;
}

export class HealthMonitor {
  readonly state: HealthState = { Status: 'starting', FailingStreak: 0, Log: [] };
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private readonly startedAt = Date.now();
  private everHealthy = false;
  private stopped = false;

  constructor(
    private readonly cmd: string[],
    private readonly cfg: HealthConfig,
    private readonly probe: Probe,
    private readonly onStatus: (status: HealthStatus, state: HealthState) => void,
  ) {}

  private ms(ns: number | undefined, dflt: number): number {
    return Math.max(1, Math.round((ns && ns > 0 ? ns : dflt) / 1e6));
  }

  start(): void {
    this.schedule(this.ms(this.cfg.Interval, DEFAULT_INTERVAL_NS));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.runOnce(), delay);
  }

  /** Run one probe now (also used by tests). */
  async runOnce(): Promise<void> {
    if (this.stopped) return;
    const timeoutMs = this.ms(this.cfg.Timeout, DEFAULT_TIMEOUT_NS);
    const start = new Date();
    let result: ProbeResult;
    const t = new AbortController();
    const onAbort = (): void => t.abort();
    this.abort.signal.addEventListener('abort', onAbort);
    const timer = setTimeout(() => t.abort(), timeoutMs);
    try {
      result = await Promise.race([
        this.probe(this.cmd, timeoutMs, t.signal),
        new Promise<ProbeResult>((resolve) =>
          t.signal.addEventListener('abort', () =>
            resolve({ exitCode: -1, output: `Health check exceeded timeout (${Math.round(timeoutMs / 1000)}s)` }),
          ),
        ),
      ]);
    } catch (err) {
      result = { exitCode: -1, output: `health check failed: ${(err as Error).message}` };
    } finally {
      clearTimeout(timer);
      this.abort.signal.removeEventListener('abort', onAbort);
    }
    if (this.stopped) return;
    this.record(start, result);
    this.schedule(this.ms(this.cfg.Interval, DEFAULT_INTERVAL_NS));
  }

  private record(start: Date, r: ProbeResult): void {
    const output = r.output.length > MAX_OUTPUT ? r.output.slice(0, MAX_OUTPUT) : r.output;
    this.state.Log.push({
      Start: start.toISOString(),
      End: new Date().toISOString(),
      ExitCode: r.exitCode,
      Output: output,
    });
    if (this.state.Log.length > MAX_LOG) this.state.Log.splice(0, this.state.Log.length - MAX_LOG);
    const before = this.state.Status;
    if (r.exitCode === 0) {
      this.everHealthy = true;
      this.state.FailingStreak = 0;
      this.state.Status = 'healthy';
    } else {
      const inStartPeriod = !this.everHealthy && Date.now() - this.startedAt < (this.cfg.StartPeriod ?? 0) / 1e6;
      if (!inStartPeriod) {
        this.state.FailingStreak++;
        const retries = this.cfg.Retries && this.cfg.Retries > 0 ? this.cfg.Retries : DEFAULT_RETRIES;
        if (this.state.FailingStreak >= retries) this.state.Status = 'unhealthy';
      }
    }
    if (this.state.Status !== before) this.onStatus(this.state.Status, this.state);
  }
}
