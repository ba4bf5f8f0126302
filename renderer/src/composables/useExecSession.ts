/** One exec session (a terminal) in a container: output to a writer, input and resize to the session. */
import { onBeforeUnmount, ref } from 'vue';
import type { ErrorPayload } from '@contract';
import { berth } from '@/bridge';

export function useExecSession(hostId: string, containerId: string) {
  const state = ref<'idle' | 'opening' | 'open' | 'exited'>('idle');
  const exitCode = ref<number | null>(null);
  const error = ref<ErrorPayload>();
  let sessionId: string | undefined;
  let close: (() => void) | undefined;

  function open(cmd: string[], size: { cols: number; rows: number }, write: (data: string) => void): void {
    stop();
    state.value = 'opening';
    error.value = undefined;
    exitCode.value = null;
    close = berth().subscribe(
      'exec',
      { hostId, containerId, cmd, tty: true, cols: size.cols, rows: size.rows },
      {
        open: (info) => {
          sessionId = info.sessionId;
          state.value = 'open';
        },
        data: (ev) => {
          if (ev.type === 'output') write(ev.data);
          else exitCode.value = ev.exitCode;
        },
        end: (err) => {
          close = undefined;
          sessionId = undefined;
          state.value = 'exited';
          if (err) error.value = err;
        },
      },
    );
  }

  function input(data: string): void {
    if (sessionId) void berth().invoke('exec:input', { sessionId, data });
  }

  function resize(cols: number, rows: number): void {
    if (sessionId) void berth().invoke('exec:resize', { sessionId, cols, rows });
  }

  function stop(): void {
    close?.();
    close = undefined;
    sessionId = undefined;
  }

  onBeforeUnmount(stop);
  return { state, exitCode, error, open, input, resize, stop };
}
