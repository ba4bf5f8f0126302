/**
 * Restart policies (HostConfig.RestartPolicy) as dockerd applies them: "no", "always",
 * "unless-stopped", "on-failure[:N]". After an exit the container is started again after a
 * back-off (100 ms doubling up to 1 min, reset once it ran 10 s), in state "restarting"; a stop
 * by the user (stop, or kill with the stop signal) ends that. At agent start, "always"
 * containers start again, and the others unless they were stopped by the user.
 */
import { InvalidArgument } from '../errdefs';
import type { Container, ContainerRuntime } from './runtime';
import type { ContainerRecord } from './state';

export type RestartPolicyName = 'no' | 'always' | 'unless-stopped' | 'on-failure';

export interface RestartPolicy {
  name: RestartPolicyName;
  maximumRetryCount?: number;
}

export function validateRestartPolicy(p: RestartPolicy | undefined, autoRemove: boolean): RestartPolicy {
  const name = p?.name || 'no';
  if (!['no', 'always', 'unless-stopped', 'on-failure'].includes(name))
    throw new InvalidArgument(`invalid restart policy '${name}'`);
  const max = p?.maximumRetryCount ?? 0;
  if (!Number.isInteger(max) || max < 0)
    throw new InvalidArgument('invalid restart policy: maximum retry count must be a positive integer');
  if (max > 0 && name !== 'on-failure')
    throw new InvalidArgument(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  if (autoRemove && name !== 'no') throw new InvalidArgument("can't create 'AutoRemove' container with restart policy");
  return name === 'on-failure' ? { name, maximumRetryCount: max } : { name };
}

function policyWants(rec: ContainerRecord): boolean {
  const p = rec.spec.restartPolicy;
  if (!p || p.name === 'no' || rec.state.manuallyStopped) return false;
  if (p.name === 'on-failure')
    return rec.state.exitCode !== 0 && (!p.maximumRetryCount || rec.restartCount < p.maximumRetryCount);
  return true;
}

/** After an exit: start again later if the policy says so (and set status "restarting"). */
export function maybeRestart(rt: ContainerRuntime, c: Container): boolean {
  const rec = c.rec;
  if (!policyWants(rec) || !rt.containers.has(rec.id)) return false;
  const ran = Date.parse(rec.state.finishedAt) - Date.parse(rec.state.startedAt);
  c.backoff = ran >= 10_000 ? 0 : (c.backoff ?? -1) + 1;
  const delay = Math.min(100 * 2 ** c.backoff, 60_000);
  rec.state.status = 'restarting';
  rt.store.save(rec);
  c.restartTimer = setTimeout(() => {
    c.restartTimer = undefined;
    if (rec.state.status !== 'restarting') return;
    rec.restartCount++;
    c.pendingStart = rt
      .start(rec.id)
      .catch((err: unknown) => {
        rec.state.status = 'exited';
        rec.state.error = (err as Error).message;
        rt.store.save(rec);
        rt.reportError(`restarting ${rec.id} failed`, err);
      })
      .finally(() => {
        c.pendingStart = undefined;
      });
  }, delay);
  c.restartTimer.unref();
  return true;
}

/** Cancel a pending restart (stop, remove, start by hand). */
export function cancelRestart(c: Container): void {
  if (c.restartTimer) clearTimeout(c.restartTimer);
  c.restartTimer = undefined;
  if (c.rec.state.status === 'restarting') c.rec.state.status = 'exited';
}

/** At agent start: containers whose policy wants them running. */
export function wantsStartAtBoot(rec: ContainerRecord): boolean {
  const st = rec.state.status;
  if (st !== 'exited' && st !== 'restarting') return false;
  if (rec.spec.restartPolicy?.name === 'always') return true;
  return policyWants(rec);
}

/** At agent start (once the network is up): start every container its policy wants running. */
export async function startAtBoot(rt: ContainerRuntime): Promise<void> {
  for (const c of [...rt.containers.values()])
    if (wantsStartAtBoot(c.rec))
      await rt.start(c.rec.id).catch((e: unknown) => rt.reportError(`starting ${c.rec.id} (restart policy) failed`, e));
}
