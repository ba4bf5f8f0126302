/**
 * Electron main process: a thin shell around the service layer (which runs under plain Node too).
 * One instance (a second start focuses the first window), the locked-down window, IPC to the
 * dispatcher, and the local engine supervisor brought up at start. Quitting leaves the engine
 * running (containers stay up; the next start finds it).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog } from 'electron';
import { connectionFactoryFor, findAgentBundle } from '../services/hosts/connection-factory';
import { AppServices } from '../services/app';
import { localEngineOptions, userDirs } from '../services/local-engine';
import { registerIpc } from './ipc';
import { createMainWindow } from './window';

const distDir = path.resolve(__dirname, '..');
const rendererDir = path.join(distDir, 'renderer');

app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let services: AppServices | undefined;
  let unregister: (() => void) | undefined;
  let win: BrowserWindow | undefined;

  app.on('second-instance', () => {
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  app.whenReady().then(
    () => {
      // The same settings and engine state as web mode (~/.config/berth, ~/.local/state/berth): the
      // hosts added in one show in the other, and an engine started by one is found by the other.
      const dirs = userDirs();
      const bundleDir = findAgentBundle([
        process.env.BERTH_AGENT_BUNDLE,
        path.join(process.resourcesPath, 'agent-bundle'),
        path.join(distDir, 'agent-bundle', app.getVersion()),
      ]);
      services = new AppServices({
        mode: 'electron',
        version: app.getVersion(),
        connectionFactory: connectionFactoryFor(bundleDir),
        configDir: dirs.configDir,
        stateDir: dirs.stateDir,
        ...(process.platform === 'linux'
          ? {
              supervisor: localEngineOptions({
                version: app.getVersion(),
                stateDir: dirs.stateDir,
                agentDirs: [path.join(process.resourcesPath, 'agent'), path.join(distDir, 'agent')],
                ...(app.isPackaged ? { resourcesDir: process.resourcesPath } : {}),
              }),
            }
          : {}),
        shell: {
          async openPath(kind, title) {
            const r = await dialog.showOpenDialog({
              ...(title ? { title } : {}),
              properties: kind === 'directory' ? ['openDirectory'] : ['openFile'],
              ...(kind === 'file'
                ? { filters: [{ name: 'Build context (tar)', extensions: ['tar', 'gz', 'tgz'] }] }
                : {}),
            });
            return r.canceled ? undefined : r.filePaths[0];
          },
        },
      });
      const rendererUrl = pathToFileURL(path.join(rendererDir, 'index.html')).href;
      unregister = registerIpc(services.dispatcher, (url) => url.split('#')[0] === rendererUrl);
      win = createMainWindow(distDir);
      app.on('activate', () => {
        if (BrowserWindow.getAllWindows().length === 0) win = createMainWindow(distDir);
      });
      void services.start();
    },
    (err: unknown) => {
      console.error(err);
      app.exit(1);
    },
  );

  let disposing = false;
  app.on('before-quit', (e) => {
    if (disposing || !services) return;
    disposing = true;
    e.preventDefault();
    unregister?.();
    const s = services;
    services = undefined;
    void s.dispose().finally(() => app.quit());
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
