/** Per-key async mutual exclusion (one writer per digest, one unpack per layer). */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /** Wait for the key; the returned function releases it (idempotent). */
  async acquire(key: string): Promise<() => void> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(key);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  get size(): number {
    return this.tails.size;
  }
}
