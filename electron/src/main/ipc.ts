/**
 * Wires the service layer's dispatcher to Electron IPC: one invoke channel, one event channel, one
 * session per window (closed, with its streams, when the window reloads, crashes or closes). Calls
 * from anything but our own renderer page are refused.
 */
import { ipcMain, type WebContents, type WebFrameMain } from 'electron';
import { IPC_EVENT, IPC_INVOKE } from '../contract/protocol';
import type { Dispatcher } from '../services/rpc/dispatcher';
import type { Session } from '../services/rpc/session';

export function registerIpc(dispatcher: Dispatcher, trustedUrl: (url: string) => boolean): () => void {
  const sessions = new Map<number, Session>();
  const watched = new Set<number>();

  const sessionFor = (wc: WebContents): Session => {
    const id = wc.id;
    let s = sessions.get(id);
    if (s && !s.isClosed) return s;
    s = dispatcher.openSession((frame) => {
      if (!wc.isDestroyed()) wc.send(IPC_EVENT, frame);
    });
    sessions.set(id, s);
    if (!watched.has(id)) {
      watched.add(id);
      const drop = (): void => {
        sessions.get(id)?.close();
        sessions.delete(id);
      };
      wc.once('destroyed', () => {
        drop();
        watched.delete(id);
      });
      wc.on('render-process-gone', drop);
      // A reload starts a new page: the old page's streams go (in-page route changes do not).
      wc.on('did-start-navigation', (details) => {
        if (details.isMainFrame && !details.isSameDocument) drop();
      });
    }
    return s;
  };

  ipcMain.handle(IPC_INVOKE, async (event, channel: unknown, req: unknown) => {
    const frame: WebFrameMain | null = event.senderFrame;
    if (!frame || !trustedUrl(frame.url) || frame !== event.sender.mainFrame) {
      return { ok: false, error: { code: 'Forbidden', message: 'calls are only taken from the Berth window' } };
    }
    return dispatcher.invoke(sessionFor(event.sender), channel, req);
  });

  return () => {
    ipcMain.removeHandler(IPC_INVOKE);
    for (const s of sessions.values()) s.close();
    sessions.clear();
  };
}
