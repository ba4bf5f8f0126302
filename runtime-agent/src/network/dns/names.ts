/**
 * The names the embedded DNS answers: per network, each endpoint's container name, short ID,
 * aliases and "<name>.<network>", and the reverse entry of its address. A client sees the names
 * of every network its container is on (as with Docker's 127.0.0.11).
 */
export class NameIndex {
  private readonly forward = new Map<string, Map<string, Set<number>>>();
  private readonly reverseMap = new Map<string, Map<number, string>>();

  add(networkId: string, names: readonly string[], ip: number, ptrName: string): void {
    let fwd = this.forward.get(networkId);
    if (!fwd) this.forward.set(networkId, (fwd = new Map()));
    for (const raw of names) {
      const n = raw.toLowerCase();
      let set = fwd.get(n);
      if (!set) fwd.set(n, (set = new Set()));
      set.add(ip);
    }
    let rev = this.reverseMap.get(networkId);
    if (!rev) this.reverseMap.set(networkId, (rev = new Map()));
    rev.set(ip, ptrName);
  }

  remove(networkId: string, names: readonly string[], ip: number): void {
    const fwd = this.forward.get(networkId);
    if (fwd) {
      for (const raw of names) {
        const n = raw.toLowerCase();
        const set = fwd.get(n);
        set?.delete(ip);
        if (set && set.size === 0) fwd.delete(n);
      }
      if (fwd.size === 0) this.forward.delete(networkId);
    }
    const rev = this.reverseMap.get(networkId);
    rev?.delete(ip);
    if (rev && rev.size === 0) this.reverseMap.delete(networkId);
  }

  dropNetwork(networkId: string): void {
    this.forward.delete(networkId);
    this.reverseMap.delete(networkId);
  }

  lookup(networkIds: readonly string[], name: string): number[] | undefined {
    const out = new Set<number>();
    for (const id of networkIds) for (const ip of this.forward.get(id)?.get(name.toLowerCase()) ?? []) out.add(ip);
    return out.size ? [...out] : undefined;
  }

  reverse(networkIds: readonly string[], ip: number): string | undefined {
    for (const id of networkIds) {
      const n = this.reverseMap.get(id)?.get(ip);
      if (n) return n;
    }
    return undefined;
  }

  /** Number of names on a network (tests: nothing left after removal). */
  count(networkId?: string): number {
    if (networkId) return this.forward.get(networkId)?.size ?? 0;
    let n = 0;
    for (const m of this.forward.values()) n += m.size;
    return n;
  }
}
