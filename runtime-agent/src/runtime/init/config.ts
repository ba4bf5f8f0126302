/**
 * What the agent sends the container init (and exec-init) on fd 3, as one JSON line.
 * Types only: shared by the agent (runtime/start.ts, runtime/exec.ts) and the init bundles.
 */

export interface InitMount {
  /** Absolute target inside the container. */
  target: string;
  kind: 'bind' | 'tmpfs';
  /** bind: host source path. */
  source?: string;
  readonly?: boolean;
  /** tmpfs: data options (size=…, mode=…). */
  data?: string;
  /** tmpfs: nosuid/nodev/noexec as MS_* flags. */
  flags?: number;
  /** bind of a file (create a file, not a directory, as the target). */
  file?: boolean;
}

export interface InitRlimit {
  /** RLIMIT_* number. */
  resource: number;
  soft: string;
  hard: string;
}

export interface ProcessConfig {
  args: string[];
  env: string[];
  /** Working directory inside the container ("" = the user's home or /). */
  cwd: string;
  /** Docker's user string: "", "name", "uid", "uid:gid", "name:group". */
  user: string;
  /** Extra groups (names or gids), as HostConfig.GroupAdd. */
  groupAdd: string[];
  tty: boolean;
  /** Capability set (bounding, effective, permitted) as a hex bit mask. */
  caps: string;
  noNewPrivs: boolean;
  rlimits: InitRlimit[];
}

export interface InitConfig {
  id: string;
  /** Directory the overlay paths are relative to (upper, work, l/N); the init chdirs there. */
  rootDir: string;
  rootfs: { kind: 'overlay'; lowers: string[]; options: string } | { kind: 'bind'; dir: string };
  /** Mount point of the root inside the container's mount namespace. */
  merged: string;
  readonlyRoot: boolean;
  hostname: string;
  /** Bring lo up (a new network namespace). */
  loopbackUp: boolean;
  /** Join this network namespace (/proc/PID/ns/net) instead of a new one. */
  joinNetns?: string;
  /**
   * A pre-started init: join the container's cgroups (cgroup.procs files) and only then create
   * the cgroup namespace, so that its root is the container's cgroup.
   */
  joinCgroups?: string[];
  mounts: InitMount[];
  maskedPaths: string[];
  readonlyPaths: string[];
  /** cgroup file systems to mount under /sys/fs/cgroup (read-only). */
  cgroupfs: { version: 2 } | { version: 1; hierarchies: { dir: string; options: string }[]; unified: boolean };
  devptsGid: number | undefined;
  shmSize: number;
  process: ProcessConfig;
}

export interface ExecConfig {
  /** Host pid of the container's init (its mount namespace is joined). */
  pid: number;
  process: ProcessConfig;
}

/** Lines the init writes on fd 3. */
export type InitReport =
  | { type: 'ready'; pid: number }
  | { type: 'error'; kind: 'InvalidArgument' | 'NotFound' | 'Internal'; exitCode: number; message: string };

/** The agent's go message (second line on fd 3). */
export interface GoMessage {
  go: true;
  /** pts number in the container's devpts to use as the controlling terminal. */
  pty?: number;
}
