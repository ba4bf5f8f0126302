/**
 * The Engine API's container configuration, with Docker's field names (they are stored as
 * given and returned by inspect). Only fields Berth acts on are typed; others pass through.
 */
export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, Record<string, never>>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[];
  Cmd: string[] | null;
  Healthcheck?: HealthConfig;
  Image: string;
  Volumes?: Record<string, Record<string, never>> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  NetworkDisabled?: boolean;
  OnBuild?: string[] | null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  Shell?: string[];
}

export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

export interface RestartPolicy {
  Name: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure';
  MaximumRetryCount: number;
}

export interface MountSpec {
  Type: 'bind' | 'volume' | 'tmpfs';
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; CreateMountpoint?: boolean };
  VolumeOptions?: {
    NoCopy?: boolean;
    Labels?: Record<string, string>;
    DriverConfig?: { Name?: string; Options?: Record<string, string> };
  };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

export interface HostConfig {
  Binds: string[] | null;
  Mounts?: MountSpec[];
  Tmpfs?: Record<string, string>;
  PortBindings: Record<string, PortBinding[] | null>;
  PublishAllPorts: boolean;
  NetworkMode: string;
  Dns: string[];
  DnsOptions: string[];
  DnsSearch: string[];
  ExtraHosts: string[] | null;
  Memory: number;
  MemorySwap: number;
  MemoryReservation: number;
  NanoCpus: number;
  CpuShares: number;
  CpuQuota: number;
  CpuPeriod: number;
  CpusetCpus: string;
  CpusetMems: string;
  BlkioWeight: number;
  PidsLimit: number | null;
  RestartPolicy: RestartPolicy;
  AutoRemove: boolean;
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  ReadonlyRootfs: boolean;
  SecurityOpt: string[] | null;
  ShmSize: number;
  Init: boolean | null;
  Privileged: boolean;
  LogConfig: { Type: string; Config: Record<string, string> };
  ConsoleSize?: [number, number];
  OomKillDisable?: boolean | null;
  [k: string]: unknown;
}

export interface EndpointSettings {
  Aliases?: string[] | null;
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } | null;
  Links?: string[] | null;
  MacAddress?: string;
  [k: string]: unknown;
}

export interface NetworkingConfig {
  EndpointsConfig: Record<string, EndpointSettings>;
}

export interface CreateRequest {
  name: string | undefined;
  config: ContainerConfig;
  hostConfig: HostConfig;
  networkingConfig: NetworkingConfig;
  platform: string | undefined;
}
