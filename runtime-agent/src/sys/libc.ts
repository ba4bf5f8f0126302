/**
 * The libc calls the agent process itself makes (the container init has its own set).
 * Bound lazily through koffi; errno is read with koffi.errno().
 */
import { loadKoffi, type Koffi } from './koffi';
import { isMusl } from '../paths';

export interface AgentLibc {
  koffi: Koffi;
  lib: ReturnType<Koffi['load']>;
  flock(fd: number, op: number): number;
}

let libc: AgentLibc | undefined;

export function agentLibc(): AgentLibc {
  if (libc) return libc;
  const koffi = loadKoffi();
  const lib = koffi.load(isMusl() ? 'libc.so' : 'libc.so.6');
  libc = {
    koffi,
    lib,
    flock: lib.func('int flock(int fd, int op)') as (fd: number, op: number) => number,
  };
  return libc;
}

export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;
export const EWOULDBLOCK = 11;

export function errno(): number {
  return agentLibc().koffi.errno();
}
