/** The container's options as callers give them (Docker's Config + HostConfig, trimmed) and the resolved spec. */
import type { CgroupResources } from '../../cgroups/manager';
import type { InitMount, InitRlimit } from '../init/config';
import type { RestartPolicy } from '../restart';

/** Root file system: overlay lower dirs (top-most first, overlayfs whiteouts) or a plain directory. */
export type RootfsSource = { lowerDirs: string[] } | { dir: string };

/** The parts of an image config the runtime uses (as in the OCI/Docker image config). */
export interface ImageConfig {
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  User?: string;
  StopSignal?: string;
  Labels?: Record<string, string>;
}

export interface MountOption {
  type: 'bind' | 'tmpfs';
  /** bind: absolute host path. */
  source?: string;
  target: string;
  readonly?: boolean;
  /** tmpfs: size in bytes and mode. */
  tmpfsSize?: number;
  tmpfsMode?: number;
}

export interface Ulimit {
  name: string;
  soft: number;
  hard: number;
}

/** Docker network modes: none, host, bridge (or a named network), container:<id>. */
export type NetworkMode = string;

export interface CreateOptions {
  name?: string;
  rootfs: RootfsSource;
  /** Image reference and ID, kept for listing/inspect. */
  image?: string;
  imageId?: string;
  imageConfig?: ImageConfig;
  /** Config.Cmd; overrides the image's Cmd. */
  cmd?: string[];
  /** Config.Entrypoint; [] or [""] resets the image's entrypoint. */
  entrypoint?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
  groupAdd?: string[];
  hostname?: string;
  domainname?: string;
  tty?: boolean;
  openStdin?: boolean;
  stdinOnce?: boolean;
  labels?: Record<string, string>;
  stopSignal?: string;
  /** Seconds; default 10. */
  stopTimeout?: number;
  readonlyRootfs?: boolean;
  /** Docker's HostConfig.Tmpfs: target → "size=64m,mode=1777,…". */
  tmpfs?: Record<string, string>;
  /** Docker's HostConfig.Binds: "src:dst[:ro|rw]". */
  binds?: string[];
  mounts?: MountOption[];
  capAdd?: string[];
  capDrop?: string[];
  securityOpt?: string[];
  privileged?: boolean;
  /** HostConfig.AutoRemove (docker run --rm): removed by the runtime once it has exited. */
  autoRemove?: boolean;
  /** HostConfig.RestartPolicy. */
  restartPolicy?: RestartPolicy;
  resources?: CgroupResources;
  ulimits?: Ulimit[];
  /** Bytes for /dev/shm (default 64 MiB). */
  shmSize?: number;
  networkMode?: NetworkMode;
  /** Content for /etc/hosts, /etc/resolv.conf (the network module's); defaults otherwise. */
  etcHosts?: string;
  resolvConf?: string;
  /** Extra /etc/hosts lines "name:ip" (HostConfig.ExtraHosts). */
  extraHosts?: string[];
}

/** What is persisted and started: everything resolved, nothing left to the image. */
export interface ContainerSpec {
  args: string[];
  /** Entrypoint and Cmd as given after the image merge (for inspect: Path/Args). */
  entrypoint: string[];
  cmd: string[];
  env: string[];
  workingDir: string;
  user: string;
  groupAdd: string[];
  hostname: string;
  domainname: string;
  tty: boolean;
  openStdin: boolean;
  stdinOnce: boolean;
  labels: Record<string, string>;
  stopSignal: number;
  stopTimeout: number;
  readonlyRootfs: boolean;
  mounts: InitMount[];
  caps: string;
  noNewPrivileges: boolean;
  rlimits: InitRlimit[];
  resources: CgroupResources;
  shmSize: number;
  networkMode: NetworkMode;
  securityOpt: string[];
  autoRemove: boolean;
  restartPolicy?: RestartPolicy;
}
