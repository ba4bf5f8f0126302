/**
 * Runs each running container's health check (HealthMonitor) with probes executed through the
 * runtime's exec, and reports `health_status: …` events. The last state stays readable after
 * the container stops, as Docker's inspect shows it.
 */
import type { ContainerRuntime } from '../runtime/runtime';
import type { EngineRecord } from './engine-record';
import { HealthMonitor, probeCommand, type HealthState, type ProbeResult } from './health';

export class HealthRunner {
  private readonly monitors = new Map<string, HealthMonitor>();
  private readonly last = new Map<string, HealthState>();

  constructor(
    private readonly rt: ContainerRuntime,
    private readonly onStatus: (id: string, status: string) => void,
  ) {}

  start(id: string, eng: EngineRecord | undefined): void {
    this.stop(id);
    const shell = eng?.config.Shell ?? eng?.imageConfig.Shell;
    const cmd = probeCommand(eng?.health, shell && shell.length ? shell : undefined);
    if (!cmd || !eng?.health) {
      this.last.delete(id);
      return;
    }
    const m = new HealthMonitor(
      cmd,
      eng.health,
      (args, _timeoutMs, signal) => this.probe(id, args, signal),
      (status) => this.onStatus(id, status),
    );
    this.monitors.set(id, m);
    this.last.set(id, m.state);
    m.start();
  }

  stop(id: string): void {
    this.monitors.get(id)?.stop();
    this.monitors.delete(id);
  }

  forget(id: string): void {
    this.stop(id);
    this.last.delete(id);
  }

  state(id: string): HealthState | undefined {
    return this.last.get(id);
  }

  closeAll(): void {
    for (const id of [...this.monitors.keys()]) this.stop(id);
  }

  private async probe(id: string, args: string[], signal: AbortSignal): Promise<ProbeResult> {
    const info = this.rt.exec.create(id, { cmd: args, tty: false, attachStdin: false });
    const chunks: Buffer[] = [];
    const session = await this.rt.exec.start(info.id, (_s, d) => chunks.push(d), {});
    const onAbort = (): void => {
      const pid = this.rt.exec.inspect(info.id).pid;
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    };
    signal.addEventListener('abort', onAbort);
    try {
      const exitCode = await session.exited;
      return { exitCode, output: Buffer.concat(chunks).toString('utf8') };
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}
