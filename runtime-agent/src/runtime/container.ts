/**
 * The types of the runtime's in-memory side: its options and one container (the record on disk
 * plus I/O, cgroup, waiters and restart bookkeeping).
 */
import type { ChildProcess } from 'node:child_process';
import type { CgroupManager, ContainerCgroup } from '../cgroups/manager';
import type { ContainerIo } from './io';
import type { NetworkHook } from './network-hook';
import type { ContainerRecord } from './state';

export interface RuntimeOptions {
  dataRoot: string;
  execRoot: string;
  /** cgroup parent (relative to each hierarchy root), default "berth". */
  cgroupParent?: string;
  cgroups?: CgroupManager;
  network?: NetworkHook;
  /** Warnings and errors of background work (exit handling, adoption). */
  onError?: (msg: string, err: unknown) => void;
  /** Number of pre-started container inits kept ready (pool.ts); 0 = start every init cold. */
  initPool?: number;
}

/** In-memory side of one container. */
export interface Container {
  rec: ContainerRecord;
  io?: ContainerIo;
  cgroup?: ContainerCgroup;
  pendingStdin: Buffer[];
  /** stdin was closed by an attached client before the container started. */
  pendingStdinClose?: boolean;
  finishing?: Promise<void>;
  exitWaiters: ((code: number) => void)[];
  removeWaiters: (() => void)[];
  shimChild?: ChildProcess;
  /** Pending automatic restart (restart.ts) and its back-off step. */
  restartTimer?: NodeJS.Timeout;
  backoff?: number;
  /** An automatic restart in progress (stop and remove wait for it). */
  pendingStart?: Promise<void>;
  /** A start in progress, settled either way (kill, stop and remove wait for it). */
  starting?: Promise<void>;
}
