/** At most `n` tasks at a time; `onQueued` tells a caller it has to wait (Docker's "Waiting"). */
export class Limiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly n: number) {}

  async run<T>(fn: () => Promise<T>, onQueued?: () => void): Promise<T> {
    if (this.active >= this.n) {
      onQueued?.();
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}
