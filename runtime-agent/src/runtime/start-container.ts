/**
 * Starting a container: the network mode's namespace to join, the rootfs and cgroup, the process
 * chain (start.ts) with the network hook between clone and go, then the running state and I/O.
 * A failed start leaves the container "created" with the error, as dockerd does.
 */
import fs from 'node:fs';
import { Conflict, NotModified } from '../errdefs';
import { closeStdin } from './attach';
import { buildInitConfig, etcPaths } from './init-config';
import { ContainerIo } from './io';
import { needsHook } from './network-hook';
import { cancelRestart } from './restart';
import { prepareRootfs } from './rootfs';
import type { Container, ContainerRuntime } from './runtime';
import { StartError, startProcess } from './start';

export interface StartOptions {
  ttySize?: { rows: number; cols: number };
}

export async function startContainer(rt: ContainerRuntime, c: Container, opts: StartOptions): Promise<void> {
  const rec = c.rec;
  if (rec.state.status === 'running' || rec.state.status === 'paused')
    throw new NotModified('container already started');
  if (rec.state.status === 'removing') throw new Conflict(`container ${rec.id} is being removed`);
  if (c.finishing) await c.finishing;
  if (c.restartTimer) cancelRestart(c);
  let joinNetns: string | undefined;
  if (rec.spec.networkMode.startsWith('container:')) {
    const peer = rt.get(rec.spec.networkMode.slice('container:'.length)).rec;
    if (peer.state.status !== 'running' && peer.state.status !== 'paused')
      throw new Conflict(`cannot join network of a non running container: ${peer.id}`);
    joinNetns = `/proc/${peer.state.pid}/ns/net`;
  }
  const dir = rt.store.dir(rec.id);
  const rootfs = prepareRootfs(dir, rec.rootfs);
  const cgroup = rt.cgroups.create(rec.id, rec.spec.resources);
  const init = buildInitConfig(rec, dir, rootfs, rt.cgroups, joinNetns);
  const hook = rt.opts.network;
  const useHook = !!hook && needsHook(rec.spec.networkMode);
  let attached = false;
  const ioDir = rt.ioDir(rec.id);
  try {
    const started = await startProcess({
      ioDir,
      procsFiles: cgroup.procsFiles,
      newNet: rec.spec.networkMode !== 'host' && !joinNetns,
      init,
      openStdin: rec.spec.openStdin,
      ...(opts.ttySize ? { ttySize: opts.ttySize } : {}),
      member: rt.takeInit(),
      beforeGo: async (pid) => {
        if (!useHook) return;
        attached = true;
        const res = await hook.attach({
          containerId: rec.id,
          containerName: rec.name,
          networkMode: rec.spec.networkMode,
          hostname: rec.spec.hostname,
          pid,
          netnsPath: `/proc/${pid}/ns/net`,
        });
        const etc = etcPaths(dir);
        // In place: the container's bind mounts point at these inodes.
        if (res?.etcHosts !== undefined) fs.writeFileSync(etc.hosts, res.etcHosts);
        if (res?.resolvConf !== undefined) fs.writeFileSync(etc.resolvConf, res.resolvConf);
      },
    });
    c.cgroup = cgroup;
    c.shimChild = started.child;
    rec.state = {
      ...rec.state,
      status: 'running',
      pid: started.pid,
      pidStart: started.pidStart,
      shimPid: started.shimPid,
      shimStart: started.shimStart,
      exitCode: 0,
      oomKilled: false,
      error: '',
      startedAt: new Date().toISOString(),
      finishedAt: rec.state.finishedAt,
      oomBase: cgroup.oomKills(),
      killedByAgent: false,
      manuallyStopped: false,
    };
    rt.store.save(rec);
    const io = new ContainerIo(ioDir, rec.spec.tty, () => void rt.checkExit(c));
    c.io = io;
    io.begin(started.master, started.stdinFd, c.pendingStdin.splice(0));
    if (c.pendingStdinClose) {
      c.pendingStdinClose = false;
      closeStdin(c);
    }
    started.child.once('exit', () => void rt.checkExit(c));
    rt.emitEvent('start', rec);
    void rt.checkExit(c);
  } catch (err) {
    await cgroup.destroy().catch((e: unknown) => rt.reportError('cgroup cleanup failed', e));
    if (attached && hook) await rt.detachNetwork(rec, false);
    if (err instanceof StartError) {
      // The status stays "created" (dockerd shows a container whose start failed as Created).
      rec.state.exitCode = err.exitCode;
      rec.state.error = err.message;
      rec.state.finishedAt = new Date().toISOString();
      rt.store.save(rec);
      // As dockerd: the failed start is an exit (attach streams and waiters end), and a
      // `--rm` container is removed (`docker run --rm` waits for that).
      rt.emitEvent('die', rec, { exitCode: String(err.exitCode) });
      for (const w of c.exitWaiters.splice(0)) w(err.exitCode);
      if (rec.spec.autoRemove)
        void rt.remove(rec.id).catch((e: unknown) => rt.reportError(`auto-remove of ${rec.id} failed`, e));
      throw err.error;
    }
    throw err;
  } finally {
    rt.refillInits();
  }
}
