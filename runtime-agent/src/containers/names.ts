/**
 * Container names and IDs: unique names, lookup by full ID, name (with or without "/") or a
 * unique ID prefix, as dockerd resolves references; generated names for unnamed containers.
 */
import crypto from 'node:crypto';
import { Conflict, InvalidArgument, NotFound } from '../errdefs';

const LEFT = [
  'agile',
  'amber',
  'bold',
  'brave',
  'bright',
  'calm',
  'clever',
  'cosmic',
  'crisp',
  'daring',
  'eager',
  'fancy',
  'gentle',
  'glowing',
  'happy',
  'humble',
  'jolly',
  'keen',
  'lively',
  'lucid',
  'mellow',
  'merry',
  'nimble',
  'noble',
  'patient',
  'proud',
  'quiet',
  'rapid',
  'serene',
  'sharp',
  'silent',
  'steady',
  'sunny',
  'swift',
  'tidy',
  'vivid',
  'warm',
  'wise',
  'witty',
  'zealous',
];
const RIGHT = [
  'anchor',
  'barge',
  'beacon',
  'buoy',
  'cabin',
  'canal',
  'cargo',
  'compass',
  'corsair',
  'current',
  'delta',
  'dock',
  'ferry',
  'fjord',
  'galley',
  'harbor',
  'helm',
  'inlet',
  'island',
  'jetty',
  'keel',
  'lagoon',
  'lantern',
  'mast',
  'mooring',
  'narrows',
  'oar',
  'pier',
  'port',
  'quay',
  'reef',
  'rudder',
  'sail',
  'schooner',
  'shoal',
  'skiff',
  'sloop',
  'tide',
  'wharf',
  'voyage',
];

export function newContainerId(): string {
  return crypto.randomBytes(32).toString('hex');
}

export class NameRegistry {
  private readonly byName = new Map<string, string>();
  private readonly byId = new Map<string, string>();

  /** Reserve `name` for `id`; Docker's conflict message when taken. */
  reserve(name: string, id: string): void {
    const holder = this.byName.get(name);
    if (holder && holder !== id) {
      throw new Conflict(
        `Conflict. The container name "/${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    this.byName.set(name, id);
    this.byId.set(id, name);
  }

  release(id: string): void {
    const name = this.byId.get(id);
    if (name !== undefined) this.byName.delete(name);
    this.byId.delete(id);
  }

  rename(id: string, next: string): void {
    const old = this.byId.get(id);
    this.reserve(next, id);
    if (old !== undefined && old !== next) this.byName.delete(old);
  }

  nameOf(id: string): string | undefined {
    return this.byId.get(id);
  }

  /** A random adjective_noun name not in use. */
  generate(): string {
    for (let i = 0; i < 100; i++) {
      const l = LEFT[crypto.randomInt(LEFT.length)]!;
      const r = RIGHT[crypto.randomInt(RIGHT.length)]!;
      const name = i < 10 ? `${l}_${r}` : `${l}_${r}${crypto.randomInt(10)}`;
      if (!this.byName.has(name)) return name;
    }
    return `berth_${crypto.randomBytes(4).toString('hex')}`;
  }

  /** Resolve an ID, name or unique ID prefix; 404 "No such container". */
  resolve(ref: string): string {
    if (this.byId.has(ref)) return ref;
    const name = ref.startsWith('/') ? ref.slice(1) : ref;
    const byName = this.byName.get(name);
    if (byName) return byName;
    if (/^[0-9a-f]+$/.test(ref)) {
      const hits = [...this.byId.keys()].filter((id) => id.startsWith(ref));
      if (hits.length === 1) return hits[0]!;
      if (hits.length > 1) throw new InvalidArgument(`multiple IDs found with provided prefix: ${ref}`);
    }
    throw new NotFound(`No such container: ${ref}`);
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }
}
