/** Named volumes (driver `local`), in the Engine API's shape. */
export interface Volume {
  Name: string;
  Driver: 'local';
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Options: Record<string, string>;
  Scope: 'local';
  Status?: Record<string, unknown>;
  UsageData?: { Size: number; RefCount: number };
}

export interface VolumeCreateRequest {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string>;
  Labels?: Record<string, string>;
}

/** Label moby puts on volumes a container created for an image VOLUME or `-v /path`. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

/** Who uses which volume: implemented by the containers module. */
export interface VolumeUsage {
  /** IDs of containers (running or not) that reference the volume. */
  usersOf(name: string): string[];
}
