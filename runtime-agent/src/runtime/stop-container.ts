/**
 * Stopping a container as dockerd does: the stop signal, then SIGKILL after the timeout (none
 * with -1); a paused container is thawed first, a pending automatic restart is cancelled.
 */
import { NotModified } from '../errdefs';
import type { Container } from './container';
import { cancelRestart } from './restart';
import type { ContainerRuntime } from './runtime';

export async function stopContainer(
  rt: ContainerRuntime,
  c: Container,
  timeoutSec: number | undefined,
  signal: number | undefined,
): Promise<void> {
  const ref = c.rec.id;
  if (c.pendingStart) await c.pendingStart;
  if (c.starting) await c.starting;
  // An exit being recorded: let it finish (and the policy schedule its restart, cancelled below)
  // rather than answer "already stopped" and leave the restart to happen after the stop.
  if (c.finishing) await c.finishing;
  const st = c.rec.state.status;
  if (st === 'restarting') {
    cancelRestart(c);
    c.rec.state.manuallyStopped = true;
    rt.store.save(c.rec);
    return;
  }
  if (st !== 'running' && st !== 'paused') throw new NotModified('container already stopped');
  c.rec.state.manuallyStopped = true;
  const t = timeoutSec ?? c.rec.spec.stopTimeout;
  if (st === 'paused') await rt.unpause(ref);
  const exited = rt.waitExit(c);
  try {
    await rt.kill(ref, signal ?? c.rec.spec.stopSignal);
  } catch {
    /* exited meanwhile */
  }
  if (t >= 0) {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), t * 1000))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      try {
        await rt.kill(ref, 9);
      } catch {
        /* exited meanwhile */
      }
    }
  }
  await exited;
  rt.emitEvent('stop', c.rec);
}
