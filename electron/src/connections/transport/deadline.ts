/**
 * Timeouts for connection set-up. A Deadline can pause while the user answers a prompt (a host
 * key question or a password must not time the connection out), and withTimeout bounds any
 * promise so nothing in the set-up can hang.
 */
import { ConnectionFailure } from '../errors';

export class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private remaining: number;
  private startedAt = 0;
  private pauses = 0;
  private done = false;

  constructor(
    ms: number,
    private readonly onExpire: () => void,
  ) {
    this.remaining = ms;
    this.start();
  }

  private start(): void {
    this.startedAt = Date.now();
    this.timer = setTimeout(() => {
      this.done = true;
      this.onExpire();
    }, this.remaining);
  }

  /** Stop the clock until resume() (nested pauses are counted). */
  pause(): void {
    if (this.done || this.pauses++ > 0) return;
    clearTimeout(this.timer);
    this.remaining = Math.max(0, this.remaining - (Date.now() - this.startedAt));
  }

  resume(): void {
    if (this.done || this.pauses === 0 || --this.pauses > 0) return;
    this.start();
  }

  /** pause()/resume() as one callback, the shape the prompting code takes. */
  readonly onPrompt = (waiting: boolean): void => (waiting ? this.pause() : this.resume());

  clear(): void {
    this.done = true;
    clearTimeout(this.timer);
  }
}

/** Rejects with a Timeout failure after ms (and calls onTimeout, to abort the work). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new ConnectionFailure('Timeout', `${what} did not finish within ${Math.round(ms / 1000)} s`));
    }, ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Rejects with a Cancelled failure when the signal aborts. */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined, onAbort?: () => void): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    onAbort?.();
    return Promise.reject(new ConnectionFailure('Cancelled', 'the connection was cancelled'));
  }
  let listener: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    listener = () => {
      onAbort?.();
      reject(new ConnectionFailure('Cancelled', 'the connection was cancelled'));
    };
    signal.addEventListener('abort', listener, { once: true });
  });
  return Promise.race([p, aborted]).finally(() => {
    if (listener) signal.removeEventListener('abort', listener);
  });
}

/** True when p settles within ms (its outcome is ignored); the timer never outlives the wait. */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
