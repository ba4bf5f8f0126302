/**
 * Persistent container records: <dataRoot>/containers/<id>/container.json, written atomically
 * (temp file + rename), so an agent killed at any point leaves either the old or the new record.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerSpec, RootfsSource } from './spec/types';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface ContainerState {
  status: ContainerStatus;
  /** Host pid of the container's PID 1 (0 when not running). */
  pid: number;
  /** Field 22 of /proc/PID/stat, to tell a re-used pid apart. */
  pidStart: number;
  shimPid: number;
  shimStart: number;
  exitCode: number;
  oomKilled: boolean;
  error: string;
  startedAt: string;
  finishedAt: string;
  /** OOM kill counter of the cgroup when the container started. */
  oomBase: number;
  /** Set while the agent itself is stopping or killing the container. */
  killedByAgent?: boolean;
  /** Stopped by the user (stop, or kill with the stop signal): restart policies leave it alone. */
  manuallyStopped?: boolean;
}

export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  image: string;
  imageId: string;
  rootfs: RootfsSource;
  spec: ContainerSpec;
  state: ContainerState;
  restartCount: number;
}

export function newState(): ContainerState {
  return {
    status: 'created',
    pid: 0,
    pidStart: 0,
    shimPid: 0,
    shimStart: 0,
    exitCode: 0,
    oomKilled: false,
    error: '',
    startedAt: ZERO_TIME,
    finishedAt: ZERO_TIME,
    oomBase: 0,
  };
}

export function newContainerId(): string {
  return crypto.randomBytes(32).toString('hex');
}

export class StateStore {
  readonly root: string;

  constructor(dataRoot: string) {
    this.root = path.join(dataRoot, 'containers');
    fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
  }

  dir(id: string): string {
    return path.join(this.root, id);
  }

  save(rec: ContainerRecord): void {
    const file = path.join(this.dir(rec.id), 'container.json');
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(rec), { mode: 0o600 });
    fs.renameSync(tmp, file);
  }

  load(id: string): ContainerRecord | undefined {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dir(id), 'container.json'), 'utf8')) as ContainerRecord;
    } catch {
      return undefined;
    }
  }

  /** Every container directory, with its record when it has a readable one. */
  scan(): { id: string; rec: ContainerRecord | undefined }[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.root);
    } catch {
      return [];
    }
    return names.filter((n) => /^[0-9a-f]{64}$/.test(n)).map((id) => ({ id, rec: this.load(id) }));
  }

  remove(id: string): void {
    fs.rmSync(this.dir(id), { recursive: true, force: true });
  }
}
