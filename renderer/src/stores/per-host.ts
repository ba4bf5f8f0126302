/**
 * Per-host stores: one Pinia store per resource and host (`containers/<hostId>` …), created on
 * first use. `listResource` is the shared part of the simple lists (images, volumes, networks):
 * load on demand, refetch (debounced) on the engine events that concern them and on resync.
 */
import { defineStore } from 'pinia';
import { onScopeDispose, ref, shallowRef, type Ref, type ShallowRef } from 'vue';
import type { EngineEvent, ErrorPayload } from '@contract';
import { errorPayload } from '@/bridge';
import { onEngineEvent, onResync } from './engine-feed';

export function perHostStore<SS extends object>(name: string, setup: (hostId: string) => SS) {
  const make = (hostId: string) => defineStore(`${name}/${hostId}`, () => setup(hostId));
  const defs = new Map<string, ReturnType<typeof make>>();
  return (hostId: string) => {
    let def = defs.get(hostId);
    if (!def) defs.set(hostId, (def = make(hostId)));
    return def();
  };
}

export interface ListResource<T> {
  items: ShallowRef<T[]>;
  loading: Ref<boolean>;
  loaded: Ref<boolean>;
  error: Ref<ErrorPayload | undefined>;
  load(): Promise<void>;
  /** Load once (a view mounting); later changes arrive as events. */
  ensure(): Promise<void>;
}

export function listResource<T>(
  hostId: string,
  fetch: () => Promise<T[]>,
  relevant: (ev: EngineEvent) => boolean,
  debounceMs = 150,
): ListResource<T> {
  const items = shallowRef<T[]>([]);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<ErrorPayload>();
  let wanted = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inflight: Promise<void> | undefined;
  let again = false;

  async function load(): Promise<void> {
    wanted = true;
    if (inflight) {
      again = true;
      return inflight;
    }
    loading.value = true;
    inflight = (async () => {
      do {
        again = false;
        try {
          items.value = await fetch();
          error.value = undefined;
          loaded.value = true;
        } catch (err) {
          error.value = errorPayload(err);
        }
      } while (again);
    })().finally(() => {
      inflight = undefined;
      loading.value = false;
    });
    return inflight;
  }

  function schedule(): void {
    if (!wanted || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void load();
    }, debounceMs);
  }

  const offs = [
    onEngineEvent(hostId, (ev) => {
      if (relevant(ev)) schedule();
    }),
    onResync(hostId, () => schedule()),
  ];
  onScopeDispose(() => {
    offs.forEach((o) => o());
    clearTimeout(timer);
  });

  return {
    items,
    loading,
    loaded,
    error,
    load,
    ensure: () => (loaded.value || inflight ? (inflight ?? Promise.resolve()) : load()),
  };
}
