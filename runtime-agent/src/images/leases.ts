/**
 * Leases protect content an operation is using but no image record references yet (a pull in
 * flight, a container being created) from garbage collection. Keys are blob digests and
 * "layer:<diffID>" / "image:<id>". Taking a lease and the collector's check-then-mark both happen
 * synchronously, so they cannot interleave (see gc.ts).
 */
export class Leases {
  private readonly counts = new Map<string, number>();

  /** A lease that can grow as the operation learns more keys; release() drops all of them. */
  create(): Lease {
    return new Lease(this);
  }

  /** @internal */ inc(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** @internal */ dec(key: string): void {
    const n = (this.counts.get(key) ?? 0) - 1;
    if (n <= 0) this.counts.delete(key);
    else this.counts.set(key, n);
  }

  has(key: string): boolean {
    return this.counts.has(key);
  }

  get size(): number {
    return this.counts.size;
  }
}

export class Lease {
  private readonly keys = new Set<string>();
  private released = false;

  constructor(private readonly owner: Leases) {}

  add(...keys: string[]): this {
    if (this.released) throw new Error('lease already released');
    for (const k of keys) {
      if (this.keys.has(k)) continue;
      this.keys.add(k);
      this.owner.inc(k);
    }
    return this;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    for (const k of this.keys) this.owner.dec(k);
    this.keys.clear();
  }
}

export const layerKey = (diffId: string): string => `layer:${diffId}`;
export const imageKey = (id: string): string => `image:${id}`;
