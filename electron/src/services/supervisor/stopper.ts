/**
 * Stopping an engine Berth started, the way it was started: a signal when Berth may send one,
 * otherwise a privileged kill through sudo/pkexec or `systemctl stop`; then a bounded wait until
 * the process is gone and the socket silent (SIGKILL past the deadline, when Berth may).
 */
import type { LaunchMethod } from '../../contract/models/engine';
import { ServiceError } from '../errors';
import type { HostEnv } from './host-env';
import { runShort, stopCommand, type LaunchSpec } from './launch';
import { probe } from './probe';
import { isBerthd, pidAlive } from './record';
import { sudoNeedsPassword } from './starter';

export interface StopContext {
  env: HostEnv;
  spec: LaunchSpec;
  askPassword?: (q: { prompt: string }) => Promise<string | undefined>;
  timeoutMs: number;
}

/** Sends the stop; throws (and changes nothing) when it cannot be sent. */
export async function sendStop(method: LaunchMethod, pid: number | undefined, c: StopContext): Promise<void> {
  if (method === 'direct') {
    if (pid && pidAlive(pid)) process.kill(pid, 'SIGTERM');
    return;
  }
  let password: string | undefined;
  if (method === 'sudo' && (await sudoNeedsPassword(c.env))) {
    password = await c.askPassword?.({ prompt: 'Your password, for sudo to stop the Berth engine' });
    if (password === undefined) throw new ServiceError('Cancelled', 'no password was given; the engine keeps running');
  }
  const cmd = stopCommand(method, c.spec, c.env, pid ?? -1, password);
  const r = cmd ? await runShort(cmd) : { code: 0, output: '' };
  if (r.code !== 0)
    throw new ServiceError('Unauthorized', `could not stop the engine: ${r.output || `exit ${r.code}`}`);
}

/** Waits until the engine is gone; past the deadline a directly started one is killed. */
export async function waitGone(method: LaunchMethod, pid: number | undefined, c: StopContext): Promise<void> {
  const deadline = Date.now() + c.timeoutMs;
  while ((pid && pidAlive(pid) && isBerthd(pid)) || (await probe(c.spec.socketPath, 500)).kind === 'berth') {
    if (Date.now() > deadline) {
      if (method === 'direct' && pid) process.kill(pid, 'SIGKILL');
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
