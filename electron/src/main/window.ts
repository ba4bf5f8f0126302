/** The app window, locked down: context isolation, sandbox, no Node, strict CSP, no navigation. */
import path from 'node:path';
import { BrowserWindow, session, shell } from 'electron';

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

let hardened = false;

function hardenSession(): void {
  if (hardened) return;
  hardened = true;
  const ses = session.defaultSession;
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  // The UI needs no camera, notifications, clipboard-read … : deny every permission request.
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
}

export function createMainWindow(distDir: string): BrowserWindow {
  hardenSession();
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    show: false,
    title: 'Berth',
    webPreferences: {
      preload: path.join(distDir, 'electron', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.on('will-redirect', (e) => e.preventDefault());
  win.webContents.on('will-attach-webview', (e) => e.preventDefault());
  // Links to published ports and docs open in the user's browser, never in the app.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.once('ready-to-show', () => win.show());
  void win.loadFile(path.join(distDir, 'renderer', 'index.html'));
  return win;
}
