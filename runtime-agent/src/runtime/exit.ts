/**
 * A container's end: the shim's exit file holds PID 1's wait status (exit code, or 128+signal);
 * without one and with both shim and PID 1 gone, the exit code is unknown (255, as containerd).
 * Recording it drains the output, reads the OOM counter, removes the cgroup, tells the network
 * hook, saves the state and wakes the waiters.
 */
import fs from 'node:fs';
import { ioPaths } from './logs/pump';
import { isSameProcess } from './proc';
import type { Container, ContainerRuntime } from './runtime';
import { maybeRestart } from './restart';

export function checkExit(rt: ContainerRuntime, c: Container): Promise<void> {
  const s = c.rec.state;
  if (c.finishing || (s.status !== 'running' && s.status !== 'paused')) return c.finishing ?? Promise.resolve();
  // Whether both are gone is looked at before the file is read: the shim writes the status and
  // then exits, so a status missing from a file read after that is really missing. (Read first,
  // a shim that wrote and exited in between would turn a real exit code into 255.)
  const gone = !isSameProcess(s.shimPid, s.shimStart) && !isSameProcess(s.pid, s.pidStart);
  let text = '';
  try {
    text = fs.readFileSync(ioPaths(rt.ioDir(c.rec.id)).exit, 'utf8');
  } catch {
    /* not there */
  }
  let code: number | undefined;
  if (text.endsWith('\n')) code = Number.parseInt(text, 10);
  else if (gone) code = 255;
  if (code === undefined || Number.isNaN(code)) return Promise.resolve();
  c.finishing = rt.finishExit(c, code).finally(() => {
    c.finishing = undefined;
  });
  return c.finishing;
}

export async function finishExit(
  rt: ContainerRuntime,
  c: Container,
  exitCode: number,
  finishedAt: Date,
): Promise<void> {
  const rec = c.rec;
  await c.io?.close().catch((e: unknown) => rt.reportError('log drain failed', e));
  c.io = undefined;
  c.shimChild = undefined;
  let cg = c.cgroup;
  if (!cg) {
    try {
      cg = rt.cgroups.open(rec.id);
    } catch {
      cg = undefined;
    }
  }
  const oom = cg ? cg.oomKills() > rec.state.oomBase : false;
  rec.state = {
    ...rec.state,
    status: 'exited',
    pid: 0,
    pidStart: 0,
    shimPid: 0,
    shimStart: 0,
    exitCode,
    oomKilled: oom,
    finishedAt: finishedAt.toISOString(),
  };
  if (cg) await cg.destroy().catch((e: unknown) => rt.reportError('cgroup cleanup failed', e));
  c.cgroup = undefined;
  await rt.detachNetwork(rec, false);
  try {
    if (rt.containers.has(rec.id)) rt.store.save(rec);
  } catch (err) {
    rt.reportError(`saving the state of ${rec.id} failed`, err);
  }
  if (oom) rt.emitEvent('oom', rec);
  rt.emitEvent('die', rec, { exitCode: String(exitCode) });
  for (const w of c.exitWaiters.splice(0)) w(exitCode);
  // docker run --rm: gone once it has exited (waiters for "removed" are woken by remove).
  if (rec.spec.autoRemove && rt.containers.has(rec.id))
    void rt.remove(rec.id).catch((e: unknown) => rt.reportError(`auto-remove of ${rec.id} failed`, e));
  else maybeRestart(rt, c);
}
