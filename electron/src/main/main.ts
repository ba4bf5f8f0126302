/** Electron main process: a thin shell around the service layer (which runs under plain Node too). */
import path from 'node:path';
import { app, BrowserWindow, ipcMain } from 'electron';
import { createMainWindow } from './window';

const distDir = path.resolve(__dirname, '..');

app.enableSandbox();
app.whenReady().then(
  () => {
    ipcMain.handle('berth:invoke', (_e, channel: unknown) => {
      if (channel === 'app:info') return { ok: true, value: { version: app.getVersion(), mode: 'electron' } };
      return { ok: false, error: { kind: 'InvalidArgument', message: `unknown channel ${String(channel)}` } };
    });
    createMainWindow(distDir);
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createMainWindow(distDir);
    });
  },
  (err: unknown) => {
    console.error(err);
    app.exit(1);
  },
);
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
