/** Exponential backoff with jitter, cancellable. */

export interface BackoffOptions {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { attempts: 5, baseMs: 200, maxMs: 5_000 };

/** Delay before retry number `n` (1-based). */
export function backoffDelay(n: number, o: BackoffOptions = DEFAULT_BACKOFF): number {
  const exp = Math.min(o.maxMs, o.baseMs * 2 ** (n - 1));
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Seconds from a Retry-After header (delta form only), capped. */
export function retryAfterMs(value: string | undefined, capMs: number): number | undefined {
  if (!value || !/^\d+$/.test(value.trim())) return undefined;
  return Math.min(capMs, Number(value.trim()) * 1000);
}
