/**
 * Preload: exposes exactly the contract as `window.berth` (built by the shared bridge core over one
 * invoke channel and one event channel) and nothing of Node or Electron. Runs sandboxed.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge, type Transport } from '../bridge/core';
import type { Result } from '../contract/errors';
import { IPC_EVENT, IPC_INVOKE, type ServerFrame } from '../contract/protocol';

async function call(channel: string, req: unknown): Promise<Result<unknown>> {
  try {
    return (await ipcRenderer.invoke(IPC_INVOKE, channel, req)) as Result<unknown>;
  } catch (err) {
    return { ok: false, error: { code: 'Unavailable', message: `the app did not answer: ${(err as Error).message}` } };
  }
}

const transport: Transport = {
  mode: 'electron',
  invoke: call,
  onFrame(listener) {
    ipcRenderer.on(IPC_EVENT, (_e, frame: ServerFrame) => listener(frame));
  },
  upload: (name, data) => call('upload:put', { name, data }) as Promise<Result<{ uploadId: string; size: number }>>,
  // The main process lives as long as the window: the connection never drops.
  onConnection: () => () => undefined,
};

contextBridge.exposeInMainWorld('berth', createBridge(transport));
