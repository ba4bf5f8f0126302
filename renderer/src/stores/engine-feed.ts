/**
 * One engine-events stream per connected host, shared by every per-host store. Stores register
 * listeners; the hosts store opens a host's feed when it connects and closes it when it goes away.
 * A feed that (re)opens after a gap tells its listeners to resync (refetch), so nothing polls.
 */
import type { EngineEvent } from '@contract';
import { berth } from '@/bridge';

export type FeedListener = (ev: EngineEvent) => void;
export type ResyncListener = (reason: string) => void;

interface Feed {
  close: () => void;
  retry?: ReturnType<typeof setTimeout>;
  attempt: number;
}

const feeds = new Map<string, Feed>();
const eventListeners = new Map<string, Set<FeedListener>>();
const resyncListeners = new Map<string, Set<ResyncListener>>();

function listeners<T>(map: Map<string, Set<T>>, hostId: string): Set<T> {
  let s = map.get(hostId);
  if (!s) map.set(hostId, (s = new Set()));
  return s;
}

function emitResync(hostId: string, reason: string): void {
  for (const l of [...listeners(resyncListeners, hostId)]) l(reason);
}

export function onEngineEvent(hostId: string, l: FeedListener): () => void {
  listeners(eventListeners, hostId).add(l);
  return () => void eventListeners.get(hostId)?.delete(l);
}

export function onResync(hostId: string, l: ResyncListener): () => void {
  listeners(resyncListeners, hostId).add(l);
  return () => void resyncListeners.get(hostId)?.delete(l);
}

function subscribe(hostId: string, feed: Feed): void {
  feed.close = berth().subscribe(
    'engine:events',
    { hostId },
    {
      open: () => {
        // Anything may have changed while the feed was down (or before it first opened).
        if (feed.attempt > 0) emitResync(hostId, 'reopened');
        feed.attempt = 0;
      },
      data: (frame) => {
        if (frame.kind === 'resync') emitResync(hostId, frame.reason);
        else for (const l of [...listeners(eventListeners, hostId)]) l(frame.event);
      },
      end: () => {
        // The host went away (the hosts store closes the feed) or the stream broke: retry a few
        // times with back-off while the feed is still wanted.
        if (feeds.get(hostId) !== feed || feed.attempt >= 5) return;
        feed.attempt++;
        feed.retry = setTimeout(
          () => {
            feed.retry = undefined;
            if (feeds.get(hostId) === feed) subscribe(hostId, feed);
          },
          500 * 2 ** feed.attempt,
        );
      },
    },
  );
}

/** Open the host's feed (no-op when open). `fresh`: listeners refetch once it is open. */
export function openFeed(hostId: string, fresh = false): void {
  if (feeds.has(hostId)) return;
  const feed: Feed = { close: () => undefined, attempt: fresh ? 1 : 0 };
  feeds.set(hostId, feed);
  subscribe(hostId, feed);
}

export function closeFeed(hostId: string): void {
  const f = feeds.get(hostId);
  if (!f) return;
  feeds.delete(hostId);
  clearTimeout(f.retry);
  f.close();
}

export function closeAllFeeds(): void {
  for (const id of [...feeds.keys()]) closeFeed(id);
}

export function feedOpen(hostId: string): boolean {
  return feeds.has(hostId);
}

/** Tests: forget every feed and listener (module state outlives a test's Pinia). */
export function resetFeeds(): void {
  closeAllFeeds();
  eventListeners.clear();
  resyncListeners.clear();
}
