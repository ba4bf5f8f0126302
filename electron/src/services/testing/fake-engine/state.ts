/** The fake engine's in-memory world and its /events fan-out. */
import crypto from 'node:crypto';

export interface FContainer {
  id: string;
  name: string;
  image: string;
  imageId: string;
  body: Record<string, unknown>;
  state: 'created' | 'running' | 'paused' | 'exited';
  created: number;
  startedAt: string;
  finishedAt: string;
  exitCode: number;
  tty: boolean;
  logs: Array<{ stream: 1 | 2; text: string; ts: string }>;
  logListeners: Set<(l: { stream: 1 | 2; text: string; ts: string } | null) => void>;
  cpu: number;
}

export interface FImage {
  id: string;
  tags: string[];
  created: number;
  size: number;
  labels: Record<string, string>;
}

export interface FExec {
  id: string;
  containerId: string;
  cmd: string[];
  tty: boolean;
  exitCode: number | null;
  running: boolean;
  resizes: Array<{ h: number; w: number }>;
}

export const hex = (n = 64): string => crypto.randomBytes(n / 2).toString('hex');

export class World {
  containers = new Map<string, FContainer>();
  images = new Map<string, FImage>();
  volumes = new Map<
    string,
    { Name: string; Driver: string; Labels: Record<string, string>; Options: Record<string, string>; CreatedAt: string }
  >();
  networks = new Map<
    string,
    {
      Id: string;
      Name: string;
      Driver: string;
      Internal: boolean;
      Attachable: boolean;
      Labels: Record<string, string>;
      Subnet?: string;
      Gateway?: string;
      Created: string;
    }
  >();
  execs = new Map<string, FExec>();
  builtDockerfiles = new Set<string>();
  statsIntervalMs = 100;
  /** Files of the last build context the engine received. */
  lastBuildFiles: string[] = [];
  readonly eventListeners = new Set<(e: object) => void>();
  /** Every request seen: "METHOD /path" (to assert what the service layer asked). */
  readonly requests: string[] = [];

  constructor() {
    for (const [name, driver] of [
      ['bridge', 'bridge'],
      ['host', 'host'],
      ['none', 'null'],
    ] as const) {
      const id = hex();
      this.networks.set(id, {
        Id: id,
        Name: name,
        Driver: driver,
        Internal: false,
        Attachable: false,
        Labels: {},
        Created: new Date().toISOString(),
      });
    }
  }

  emit(type: string, action: string, id: string, attributes: Record<string, string> = {}): void {
    const now = Date.now();
    const e = {
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      time: Math.floor(now / 1000),
      timeNano: now * 1e6,
    };
    for (const l of [...this.eventListeners]) l(e);
  }

  findContainer(ref: string): FContainer | undefined {
    const r = ref.replace(/^\//, '');
    for (const c of this.containers.values())
      if (c.id === r || c.name === r || (r.length >= 4 && c.id.startsWith(r))) return c;
    return undefined;
  }

  findImage(ref: string): FImage | undefined {
    const withTag = /:[^/]+$/.test(ref) || ref.startsWith('sha256:') ? ref : `${ref}:latest`;
    for (const i of this.images.values()) {
      if (
        i.id === ref ||
        i.id === `sha256:${ref}` ||
        i.tags.includes(withTag) ||
        (ref.length >= 4 && i.id.replace('sha256:', '').startsWith(ref))
      )
        return i;
    }
    return undefined;
  }

  findNetwork(ref: string): ReturnType<World['networks']['get']> {
    for (const n of this.networks.values())
      if (n.Id === ref || n.Name === ref || (ref.length >= 4 && n.Id.startsWith(ref))) return n;
    return undefined;
  }

  addImage(tag: string, size = 4_300_000): FImage {
    const existing = this.findImage(tag);
    if (existing) return existing;
    const img: FImage = {
      id: `sha256:${hex()}`,
      tags: [tag.includes(':') ? tag : `${tag}:latest`],
      created: Math.floor(Date.now() / 1000),
      size,
      labels: {},
    };
    this.images.set(img.id, img);
    return img;
  }

  log(c: FContainer, stream: 1 | 2, text: string): void {
    const l = { stream, text, ts: new Date().toISOString() };
    c.logs.push(l);
    for (const f of [...c.logListeners]) f(l);
  }
}
