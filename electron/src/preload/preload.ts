/** Preload: exposes exactly the contract (window.berth) and nothing of Node or Electron. */
import { contextBridge, ipcRenderer } from 'electron';
import type { BerthBridge, EventChannel, InvokeChannel } from '../contract';

interface Envelope {
  ok: boolean;
  value?: unknown;
  error?: { kind: string; message: string };
}

const bridge: BerthBridge = {
  async invoke(channel: InvokeChannel, req: unknown) {
    const r = (await ipcRenderer.invoke('berth:invoke', channel, req)) as Envelope;
    if (!r.ok) {
      const err = new Error(r.error?.message ?? 'unknown error');
      err.name = r.error?.kind ?? 'Internal';
      throw err;
    }
    return r.value as never;
  },
  on(event: EventChannel, listener: (payload: never) => void) {
    const wrapped = (_e: unknown, name: unknown, payload: unknown): void => {
      if (name === event) listener(payload as never);
    };
    ipcRenderer.on('berth:event', wrapped);
    return () => ipcRenderer.off('berth:event', wrapped);
  },
};

contextBridge.exposeInMainWorld('berth', bridge);
