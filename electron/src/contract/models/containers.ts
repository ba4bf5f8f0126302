/** Containers: list rows, detail, the Run dialog's spec, logs, processes, stats, exec. */

export type ContainerStateName = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
export type HealthStatus = 'none' | 'starting' | 'healthy' | 'unhealthy';
export type PortProtocol = 'tcp' | 'udp' | 'sctp';

export interface PortMapping {
  privatePort: number;
  protocol: PortProtocol;
  /** Published on the host (absent when only exposed). */
  publicPort?: number;
  hostIp?: string;
}

export interface MountSummary {
  type: 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'cluster' | 'image';
  /** Volume name or host path. */
  source: string;
  destination: string;
  readOnly: boolean;
}

export interface ContainerSummary {
  id: string;
  /** Without the leading slash. */
  name: string;
  image: string;
  imageId: string;
  command: string;
  /** Unix seconds. */
  created: number;
  state: ContainerStateName;
  /** Human status: "Up 3 minutes (healthy)", "Exited (0) 2 hours ago". */
  status: string;
  health: HealthStatus;
  ports: PortMapping[];
  labels: Record<string, string>;
  /** com.docker.compose.project / .service, for grouping. */
  composeProject?: string;
  composeService?: string;
  networks: string[];
  mounts: MountSummary[];
}

export interface HealthcheckSpec {
  /** ["CMD", "curl", "-f", "http://localhost/"], ["CMD-SHELL", "curl -f http://localhost/"] or ["NONE"]. */
  test: string[];
  intervalMs?: number;
  timeoutMs?: number;
  retries?: number;
  startPeriodMs?: number;
}

export type RestartPolicyName = 'no' | 'always' | 'unless-stopped' | 'on-failure';

export interface RestartPolicy {
  name: RestartPolicyName;
  /** on-failure only. */
  maximumRetryCount?: number;
}

export interface PortSpec {
  containerPort: number;
  protocol?: PortProtocol;
  /** 0 or absent: the engine picks a free port. */
  hostPort?: number;
  hostIp?: string;
}

export type VolumeSpec =
  | { type: 'bind'; source: string; target: string; readOnly?: boolean }
  | { type: 'volume'; source?: string; target: string; readOnly?: boolean }
  | { type: 'tmpfs'; target: string; sizeBytes?: number };

export interface EnvVar {
  name: string;
  value: string;
}

export interface ResourceLimits {
  memoryBytes?: number;
  /** Memory plus swap; -1 for unlimited swap. */
  memorySwapBytes?: number;
  /** Fractional CPUs ("1.5"), as `docker run --cpus`. */
  cpus?: number;
  cpuShares?: number;
  pids?: number;
}

/** Everything the Run dialog can set. */
export interface RunSpec {
  image: string;
  name?: string;
  cmd?: string[];
  entrypoint?: string[];
  env?: EnvVar[];
  workingDir?: string;
  user?: string;
  hostname?: string;
  ports?: PortSpec[];
  /** Publish every EXPOSEd port on a random host port (`-P`). */
  publishAll?: boolean;
  volumes?: VolumeSpec[];
  /** Network name or id ("bridge", "host", "none", or a user network). */
  network?: string;
  networkAliases?: string[];
  limits?: ResourceLimits;
  restartPolicy?: RestartPolicy;
  healthcheck?: HealthcheckSpec;
  autoRemove?: boolean;
  tty?: boolean;
  /** Keep STDIN open (`-i`). */
  interactive?: boolean;
  labels?: Record<string, string>;
  privileged?: boolean;
}

export interface ContainerHealth {
  status: HealthStatus;
  failingStreak: number;
  log: Array<{ start: string; end: string; exitCode: number; output: string }>;
}

export interface ContainerDetail {
  id: string;
  name: string;
  image: string;
  imageId: string;
  created: string;
  restartCount: number;
  state: {
    status: ContainerStateName;
    running: boolean;
    paused: boolean;
    restarting: boolean;
    oomKilled: boolean;
    pid: number;
    exitCode: number;
    error: string;
    startedAt: string;
    finishedAt: string;
    health?: ContainerHealth;
  };
  config: {
    cmd: string[];
    entrypoint: string[];
    env: EnvVar[];
    workingDir: string;
    user: string;
    hostname: string;
    tty: boolean;
    openStdin: boolean;
    labels: Record<string, string>;
    exposedPorts: string[];
    healthcheck?: HealthcheckSpec;
  };
  hostConfig: {
    restartPolicy: RestartPolicy;
    autoRemove: boolean;
    networkMode: string;
    privileged: boolean;
    limits: ResourceLimits;
  };
  ports: PortMapping[];
  mounts: MountSummary[];
  networks: Array<{ name: string; networkId: string; ipAddress: string; gateway: string; macAddress: string }>;
  /** The engine's whole inspect JSON, for the Inspect tab. */
  raw: Record<string, unknown>;
}

export interface LogEntry {
  stream: 'stdout' | 'stderr';
  text: string;
  /** RFC 3339 with nanoseconds, when timestamps were asked for. */
  ts?: string;
}

export interface LogsQuery {
  hostId: string;
  id: string;
  /** Unix seconds or RFC 3339. */
  since?: string;
  until?: string;
  /** Number of lines from the end ("all" when absent). */
  tail?: number;
  timestamps?: boolean;
}

export interface ProcessList {
  titles: string[];
  processes: string[][];
}

/** One stats sample, computed from the engine's stats stream the way the docker CLI does. */
export interface StatsSample {
  /** ISO time the engine read the sample. */
  read: string;
  cpuPercent: number;
  onlineCpus: number;
  memUsage: number;
  memLimit: number;
  memPercent: number;
  netRx: number;
  netTx: number;
  blockRead: number;
  blockWrite: number;
  pids: number;
}

export interface ExecSpec {
  hostId: string;
  containerId: string;
  cmd: string[];
  tty: boolean;
  cols?: number;
  rows?: number;
  env?: EnvVar[];
  user?: string;
  workingDir?: string;
}

export type ExecEvent =
  { type: 'output'; stream: 'stdout' | 'stderr'; data: string } | { type: 'exit'; exitCode: number | null };

export type ContainerAction = 'start' | 'stop' | 'restart' | 'pause' | 'unpause' | 'kill' | 'remove';

export interface BulkResult {
  id: string;
  ok: boolean;
  error?: import('../errors').ErrorPayload;
}
