/**
 * A container's log lines: the backlog and, while following, new lines as they come (one stream,
 * closed when following stops or the view goes away). Lines keep their engine timestamp so the
 * timestamps toggle is display-only and a resumed follow continues where it stopped.
 */
import { onBeforeUnmount, ref, shallowRef } from 'vue';
import type { ErrorPayload, LogEntry } from '@contract';
import { berth } from '@/bridge';
import { onResync } from '@/stores/engine-feed';

export const MAX_LOG_LINES = 50_000;

export function useLogStream(hostId: string, id: string, tail = 1000) {
  const lines = shallowRef<LogEntry[]>([]);
  const streaming = ref(false);
  const ended = ref(false);
  const error = ref<ErrorPayload>();
  let close: (() => void) | undefined;
  /** The viewer wants to follow: a stream cut by a lost host resumes when the host is back. */
  let wanted = false;

  function append(batch: LogEntry[]): void {
    const last = lines.value[lines.value.length - 1]?.ts;
    const fresh = last ? batch.filter((e) => !e.ts || e.ts > last) : batch;
    if (!fresh.length) return;
    const next = lines.value.concat(fresh);
    lines.value = next.length > MAX_LOG_LINES ? next.slice(next.length - MAX_LOG_LINES) : next;
  }

  function start(): void {
    wanted = true;
    if (close) return;
    const last = lines.value[lines.value.length - 1]?.ts;
    streaming.value = true;
    ended.value = false;
    error.value = undefined;
    close = berth().subscribe(
      'containers:logs',
      { hostId, id, timestamps: true, ...(last ? { since: last } : { tail }) },
      {
        data: append,
        end: (err) => {
          close = undefined;
          streaming.value = false;
          ended.value = true;
          if (err) error.value = err;
        },
      },
    );
  }

  function stop(): void {
    wanted = false;
    close?.();
    close = undefined;
    streaming.value = false;
  }

  function clear(): void {
    lines.value = [];
  }

  const offResync = onResync(hostId, () => {
    if (wanted && !close) start();
  });
  onBeforeUnmount(() => {
    offResync();
    stop();
  });
  return { lines, streaming, ended, error, start, stop, clear };
}
