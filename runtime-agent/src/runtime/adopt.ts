/**
 * Agent start-up: load every container record and reconcile it with the host.
 *  - running/paused whose shim is still the same process (pid + start time): adopt it — tail its
 *    logs from the saved offsets, take the pty master and stdin holder back from the shim
 *    (pidfd_getfd), watch for its exit file;
 *  - running/paused whose shim is gone: it ended while the agent was away: its exit code comes
 *    from the shim's exit file (time: that file's mtime), OOM from the cgroup counter, then the
 *    cgroup and network are cleaned up and the remaining output is copied into the log;
 *  - "removing", or a directory without a record (an agent killed mid-create/remove): finish
 *    removing it;
 *  - cgroups under the parent that belong to no container: killed and removed.
 */
import fs from 'node:fs';
import { ContainerIo } from './io';
import { ioPaths } from './logs/pump';
import { isSameProcess, stealFd } from './proc';
import type { Container, ContainerRuntime } from './runtime';
import { SHIM_MASTER_FD, SHIM_STDIN_FD } from './shim';

function readExit(file: string): { code: number | undefined; mtime: Date } {
  try {
    const text = fs.readFileSync(file, 'utf8');
    const mtime = fs.statSync(file).mtime;
    return { code: text.endsWith('\n') ? Number.parseInt(text, 10) : undefined, mtime };
  } catch {
    return { code: undefined, mtime: new Date() };
  }
}

function take(pid: number, fd: number): number | undefined {
  try {
    return stealFd(pid, fd);
  } catch {
    return undefined;
  }
}

export async function adoptAll(rt: ContainerRuntime): Promise<void> {
  for (const { id, rec } of rt.store.scan()) {
    if (!rec || rec.state.status === 'removing') {
      await rt.purge(id, rec).catch((e: unknown) => rt.reportError(`cleanup of ${id} failed`, e));
      continue;
    }
    const c: Container = { rec, pendingStdin: [], exitWaiters: [], removeWaiters: [] };
    rt.containers.set(id, c);
    const st = rec.state;
    if (st.status !== 'running' && st.status !== 'paused') {
      // An auto-remove container that exited before its removal finished.
      if (rec.spec.autoRemove && st.status === 'exited') await rt.remove(id).catch(() => undefined);
      continue;
    }
    const ioDir = rt.ioDir(id);
    if (isSameProcess(st.shimPid, st.shimStart)) {
      try {
        c.cgroup = rt.cgroups.open(id);
      } catch {
        /* checkExit will notice */
      }
      const master = rec.spec.tty ? take(st.shimPid, SHIM_MASTER_FD) : undefined;
      const stdin = rec.spec.openStdin && !rec.spec.tty ? take(st.shimPid, SHIM_STDIN_FD) : undefined;
      const io = new ContainerIo(ioDir, rec.spec.tty, () => void rt.checkExit(c));
      c.io = io;
      io.begin(master, stdin, []);
      if (c.cgroup?.isFrozen()) st.status = 'paused';
      await rt.checkExit(c);
      continue;
    }
    // Ended while the agent was away.
    const ex = readExit(ioPaths(ioDir).exit);
    const io = new ContainerIo(ioDir, rec.spec.tty, () => undefined);
    c.io = io;
    io.begin(undefined, undefined, []);
    if (ex.code === undefined && isSameProcess(st.pid, st.pidStart)) {
      // The shim died but the container did not: keep watching the pid.
      continue;
    }
    c.finishing = rt.finishExit(c, ex.code ?? 255, ex.mtime).finally(() => {
      c.finishing = undefined;
    });
    await c.finishing;
  }
  const known = new Set(rt.containers.keys());
  for (const id of rt.cgroups.list()) {
    if (known.has(id)) {
      const st = rt.containers.get(id)!.rec.state.status;
      if (st === 'running' || st === 'paused') continue;
    }
    try {
      await rt.cgroups.open(id).destroy();
    } catch (e) {
      rt.reportError(`removing stale cgroup ${id} failed`, e);
    }
  }
}
