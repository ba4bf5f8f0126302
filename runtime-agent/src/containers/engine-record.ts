/**
 * What the engine keeps per container beside the runtime's record: the Docker Config,
 * HostConfig and NetworkingConfig as the client gave them (inspect returns them), the resolved
 * mounts, the network request and the effective health check. Stored as engine.json in the
 * runtime's container directory, written atomically.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerNetworkRequest } from '../network/types';
import type { ContainerConfig, HealthConfig, HostConfig, NetworkingConfig } from './docker-types';

export interface ResolvedMount {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: 'local';
  Mode: string;
  RW: boolean;
  Propagation: string;
}

export interface EngineRecord {
  config: ContainerConfig;
  hostConfig: HostConfig;
  networkingConfig: NetworkingConfig;
  /** The image as the client named it. */
  imageRef: string;
  mounts: ResolvedMount[];
  /** Volumes created for this container (image VOLUMEs, `-v /path`): removed with `rm -v`. */
  anonymousVolumes: string[];
  network: ContainerNetworkRequest;
  health: HealthConfig | undefined;
  /** The image's config (merged into inspect's Config as Docker shows it). */
  imageConfig: Partial<ContainerConfig>;
}

const FILE = 'engine.json';

export function saveEngineRecord(dir: string, rec: EngineRecord): void {
  const file = path.join(dir, FILE);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(rec), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function loadEngineRecord(dir: string): EngineRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, FILE), 'utf8')) as EngineRecord;
  } catch {
    return undefined;
  }
}
