/**
 * Live stats, only for what is on screen: a view retains a container's stream while it shows it
 * (a visible table row, the Stats tab) and releases it when it stops; the last release closes the
 * stream after a short linger (so scrolling back and forth does not churn streams). One stream per
 * container, shared by every viewer; the last minutes of samples are kept for the charts.
 */
import { defineStore } from 'pinia';
import { shallowReactive, shallowRef, type ShallowRef } from 'vue';
import type { StatsSample } from '@contract';
import { berth } from '@/bridge';
import { onResync } from './engine-feed';

export const HISTORY_SAMPLES = 300; // five minutes at one sample a second
const LINGER_MS = 2000;

export interface StatsEntry {
  latest: ShallowRef<StatsSample | undefined>;
  history: ShallowRef<StatsSample[]>;
  refs: number;
  close?: () => void;
  linger?: ReturnType<typeof setTimeout>;
  ended: ShallowRef<boolean>;
}

export const statsKey = (hostId: string, id: string): string => `${hostId}/${id}`;

export const useStatsStore = defineStore('stats', () => {
  const entries = shallowReactive(new Map<string, StatsEntry>());
  /** Per host: when its event feed comes back after a gap, reopen the streams still wanted. */
  const resyncHooks = new Map<string, () => void>();

  function reopenHost(hostId: string): void {
    for (const [key, e] of entries)
      if (key.startsWith(`${hostId}/`) && !e.close && e.refs > 0) open(hostId, key.slice(hostId.length + 1), e);
  }

  function open(hostId: string, id: string, e: StatsEntry): void {
    e.ended.value = false;
    e.close = berth().subscribe(
      'containers:stats',
      { hostId, id },
      {
        data: (s) => {
          e.latest.value = s;
          const h = e.history.value;
          e.history.value = h.length >= HISTORY_SAMPLES ? [...h.slice(h.length - HISTORY_SAMPLES + 1), s] : [...h, s];
        },
        end: () => {
          e.close = undefined;
          e.ended.value = true;
        },
      },
    );
  }

  /** Start (or share) the stream; returns the release. */
  function retain(hostId: string, id: string): () => void {
    const key = statsKey(hostId, id);
    let e = entries.get(key);
    if (!e) {
      e = { latest: shallowRef(), history: shallowRef([]), refs: 0, ended: shallowRef(false) };
      entries.set(key, e);
    }
    const entry = e;
    if (!resyncHooks.has(hostId))
      resyncHooks.set(
        hostId,
        onResync(hostId, () => reopenHost(hostId)),
      );
    entry.refs++;
    clearTimeout(entry.linger);
    entry.linger = undefined;
    if (!entry.close) open(hostId, id, entry);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.refs--;
      if (entry.refs > 0) return;
      entry.linger = setTimeout(() => {
        entry.linger = undefined;
        if (entry.refs > 0) return;
        entry.close?.();
        entry.close = undefined;
        entries.delete(key);
      }, LINGER_MS);
    };
  }

  /** Re-open a stream that ended (the container restarted, the host came back). */
  function reopen(hostId: string, id: string): void {
    const e = entries.get(statsKey(hostId, id));
    if (e && !e.close && e.refs > 0) open(hostId, id, e);
  }

  const get = (hostId: string, id: string): StatsEntry | undefined => entries.get(statsKey(hostId, id));
  const openCount = (): number => [...entries.values()].filter((e) => e.close).length;

  return { entries, retain, reopen, get, openCount };
});
