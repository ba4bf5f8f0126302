/**
 * Network namespaces as the network module sees them: a reference (the pid of a process inside,
 * or a bind-mounted namespace file such as /run/netns/NAME), and `inNetns`, which runs a
 * synchronous function with the calling thread switched into that namespace. Only sockets are
 * created inside it: a socket stays in the namespace it was created in, so every later call on it
 * works from the agent's own namespace. The switch is per-thread and nothing asynchronous can
 * run in between (the function is synchronous), as CNI plugins do with a locked OS thread.
 */
import fs from 'node:fs';
import { FailedPrecondition, Internal, NotFound } from '../../errdefs';
import { CLONE_NEWNET, netLibc } from './libc';

export type NetnsRef = { pid: number } | { path: string };

export function netnsPath(ref: NetnsRef): string {
  return 'pid' in ref ? `/proc/${ref.pid}/ns/net` : ref.path;
}

export function describeNetns(ref: NetnsRef): string {
  return 'pid' in ref ? `the network namespace of pid ${ref.pid}` : `network namespace ${ref.path}`;
}

let hostFd: number | undefined;

/** The agent's own namespace, opened once and kept (to switch back to). */
function hostNetnsFd(): number {
  hostFd ??= fs.openSync('/proc/thread-self/ns/net', 'r');
  return hostFd;
}

/** Open a namespace file; a vanished process or file is NotFound. */
export function openNetns(ref: NetnsRef): number {
  try {
    return fs.openSync(netnsPath(ref), 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH')
      throw new NotFound(`${describeNetns(ref)} does not exist (has the container exited?)`, { cause: err });
    throw new FailedPrecondition(`cannot open ${describeNetns(ref)}: ${(err as Error).message}`, { cause: err });
  }
}

/** True when the reference names the agent's own namespace (a container in host mode). */
export function isHostNetns(ref: NetnsRef): boolean {
  try {
    const a = fs.statSync(netnsPath(ref));
    const b = fs.statSync('/proc/self/ns/net');
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}

/** Run `fn` with this thread in the namespace open on `nsFd`, then switch back. */
export function inNetns<T>(nsFd: number, fn: () => T): T {
  const libc = netLibc();
  const back = hostNetnsFd();
  if (libc.setns(nsFd, CLONE_NEWNET) !== 0) {
    throw new FailedPrecondition(`setns into a container network namespace failed (errno ${libc.errno()})`);
  }
  try {
    return fn();
  } finally {
    if (libc.setns(back, CLONE_NEWNET) !== 0) {
      // Staying in a container's namespace would corrupt every later operation of the agent.
      const msg = `cannot return to the agent's network namespace (errno ${libc.errno()})`;
      process.emitWarning(msg);
      // eslint-disable-next-line no-unsafe-finally
      throw new Internal(msg);
    }
  }
}
