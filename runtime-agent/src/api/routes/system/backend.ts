/** What the system routes need from the daemon. */
import type { HostInfo } from '../../../daemon/host-info';

export interface ObjectCounts {
  containers: number;
  running: number;
  paused: number;
  stopped: number;
  images: number;
}

export interface DaemonFacts {
  /** Stable daemon ID (persisted under the data root). */
  id: string;
  dataRoot: string;
  execRoot: string;
  insecureRegistries: string[];
  debug: boolean;
  startedAt: Date;
}

export interface SystemBackend {
  host(): HostInfo;
  facts(): DaemonFacts;
  counts(): ObjectCounts;
  /** Security features as /info lists them ("name=no-new-privileges" …). */
  securityOptions(): string[];
  /** Names of the network drivers available. */
  networkDrivers(): string[];
  /** Number of /events subscribers. */
  eventListeners(): number;
  warnings(): string[];
}
