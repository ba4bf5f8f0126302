/** Images, volumes and networks. */

export interface ImageSummary {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  /** Unix seconds. */
  created: number;
  size: number;
  labels: Record<string, string>;
  /** Containers (any state) created from this image. */
  containers: number;
  /** No tag and no container uses it. */
  dangling: boolean;
}

export interface ImageDetail {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  created: string;
  size: number;
  architecture: string;
  os: string;
  author: string;
  config: {
    cmd: string[];
    entrypoint: string[];
    env: string[];
    exposedPorts: string[];
    workingDir: string;
    user: string;
    labels: Record<string, string>;
    volumes: string[];
  };
  layers: string[];
  raw: Record<string, unknown>;
}

export interface ImageHistoryEntry {
  id: string;
  /** Unix seconds. */
  created: number;
  createdBy: string;
  size: number;
  tags: string[];
  comment: string;
}

/** Registry credentials for one pull or push: used once, never stored. */
export interface RegistryAuth {
  username: string;
  password: string;
  serverAddress?: string;
}

export interface PruneReport {
  deleted: string[];
  spaceReclaimed: number;
}

export interface ContainerRef {
  id: string;
  name: string;
}

export interface VolumeSummary {
  name: string;
  driver: string;
  mountpoint: string;
  scope: string;
  createdAt?: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  usedBy: ContainerRef[];
}

export interface VolumeCreate {
  name?: string;
  driver?: string;
  driverOpts?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface NetworkSummary {
  id: string;
  name: string;
  driver: string;
  scope: string;
  internal: boolean;
  attachable: boolean;
  ipv6: boolean;
  created: string;
  subnets: Array<{ subnet: string; gateway?: string }>;
  labels: Record<string, string>;
  containers: Array<ContainerRef & { ipv4Address: string; macAddress: string }>;
}

export interface NetworkCreate {
  name: string;
  driver?: string;
  internal?: boolean;
  attachable?: boolean;
  subnet?: string;
  gateway?: string;
  labels?: Record<string, string>;
}

/** An engine event (from its /events stream), pushed to the UI. */
export interface EngineEvent {
  type:
    | 'container'
    | 'image'
    | 'volume'
    | 'network'
    | 'daemon'
    | 'builder'
    | 'plugin'
    | 'service'
    | 'node'
    | 'secret'
    | 'config';
  action: string;
  id: string;
  attributes: Record<string, string>;
  /** Unix milliseconds. */
  time: number;
}
