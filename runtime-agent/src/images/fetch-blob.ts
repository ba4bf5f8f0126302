/**
 * Download one blob into the content store: resumes a partial ingest with a ranged GET (after a
 * dropped connection or an agent restart), retries transient failures with backoff, verifies size
 * and digest before the blob becomes visible.
 */
import { BerthError, Unavailable, errorMessage } from '../errdefs';
import type { ContentStore } from './content-store';
import type { Descriptor } from './manifest';
import type { Repository } from './registry-client';
import { isTransient } from './registry/transport';
import { DEFAULT_BACKOFF, backoffDelay, sleep } from './retry';

export interface FetchOptions {
  signal?: AbortSignal | undefined;
  /** Bytes stored so far (including resumed bytes). */
  onBytes?: ((done: number) => void) | undefined;
  /** Called before waiting to retry. */
  onRetry?: ((inSeconds: number, err: unknown) => void) | undefined;
  attempts?: number | undefined;
  backoffMs?: number | undefined;
}

/** Returns false when the blob was already stored (nothing fetched). */
export async function fetchBlob(
  content: ContentStore,
  repo: Repository,
  desc: Descriptor,
  o: FetchOptions = {},
): Promise<boolean> {
  const attempts = o.attempts ?? DEFAULT_BACKOFF.attempts;
  const backoff = { ...DEFAULT_BACKOFF, baseMs: o.backoffMs ?? DEFAULT_BACKOFF.baseMs };
  let lastErr: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const w = await content.writer({ digest: desc.digest, size: desc.size });
    if (!w) return false;
    try {
      if (w.offset === desc.size) {
        await w.commit();
        return true;
      }
      const res = await repo.fetchBlob(desc.digest, w.offset);
      if (w.offset > 0 && res.status === 200) {
        // The server ignored the range: start over from byte 0.
        res.body.destroy();
        await w.abort();
        attempt--;
        continue;
      }
      o.onBytes?.(w.size);
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        await w.write(chunk);
        o.onBytes?.(w.size);
      }
    } catch (err) {
      lastErr = err;
      if (!(err instanceof BerthError) && isTransient(err) && !o.signal?.aborted) {
        // Keep what arrived: the next attempt (or the next pull) resumes from there.
        await w.close();
        if (attempt < attempts) {
          const delay = backoffDelay(attempt, backoff);
          o.onRetry?.(Math.ceil(delay / 1000), err);
          await sleep(delay, o.signal);
          continue;
        }
        break;
      }
      // Cancelled: what arrived is good and stays for the next pull; anything else is discarded.
      if (o.signal?.aborted) await w.close();
      else await w.abort().catch(() => undefined);
      throw err;
    }
    // Verifies size and digest; a mismatch removes the data and is not retried.
    await w.commit();
    return true;
  }
  throw new Unavailable(`downloading ${desc.digest} failed after ${attempts} attempts: ${errorMessage(lastErr)}`, {
    cause: lastErr,
  });
}
