/**
 * Where the local engine and the app's files live on this machine: the bundled berthd (next to the
 * app, or in dist/ in a development checkout), its default socket/data root (as dockerd's), and the
 * user's config and state directories (XDG).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EngineCommand } from './supervisor/launch';
import type { SupervisorOptions } from './supervisor/supervisor';

export const DEFAULT_SOCKET = '/run/berth/berth.sock';
export const DEFAULT_DATA_ROOT = '/var/lib/berth';
export const DEFAULT_EXEC_ROOT = '/run/berth';
export const DEFAULT_GROUP = 'berth';

export function userDirs(over: { configDir?: string; stateDir?: string } = {}): {
  configDir: string;
  stateDir: string;
} {
  const home = os.homedir();
  const configDir = over.configDir ?? path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'berth');
  const stateDir =
    over.stateDir ?? path.join(process.env.XDG_STATE_HOME ?? path.join(home, '.local', 'state'), 'berth');
  return { configDir, stateDir };
}

/**
 * The berthd this app bundles. A packaged app runs it through its launcher (resources/bin/berthd,
 * which picks the agent bundle's Node runtime); from an AppImage the files are first copied out of
 * the AppImage's mount (see supervisor/stage.ts). Otherwise: the first agent dir holding berthd.cjs,
 * run by this Node (or Electron as Node).
 */
export function bundledEngine(
  agentDirs: string[],
  resourcesDir?: string,
): { engine: EngineCommand; version?: string } | undefined {
  const launcher = resourcesDir ? path.join(resourcesDir, 'bin', 'berthd') : undefined;
  if (
    resourcesDir &&
    launcher &&
    fs.existsSync(launcher) &&
    fs.existsSync(path.join(resourcesDir, 'agent', 'berthd.cjs'))
  ) {
    const version = readVersion(path.join(resourcesDir, 'agent'));
    if (process.env.APPIMAGE) {
      const to = path.join('/opt/berth/engine', version ?? 'current');
      return {
        engine: {
          command: path.join(to, 'bin', 'berthd'),
          args: [],
          stage: { from: resourcesDir, to, items: ['agent', 'agent-bundle', 'bin'] },
        },
        ...(version ? { version } : {}),
      };
    }
    return { engine: { command: launcher, args: [] }, ...(version ? { version } : {}) };
  }
  for (const dir of agentDirs) {
    const script = path.join(dir, 'berthd.cjs');
    if (!fs.existsSync(script)) continue;
    const version = readVersion(dir);
    const electron = Boolean(process.versions.electron);
    return {
      engine: {
        command: process.env.BERTH_ENGINE_NODE ?? process.execPath,
        args: [script],
        ...(electron && !process.env.BERTH_ENGINE_NODE ? { env: { ELECTRON_RUN_AS_NODE: '1' } } : {}),
      },
      ...(version ? { version } : {}),
    };
  }
  return undefined;
}

function readVersion(agentDir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(agentDir, 'VERSION'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface LocalEngineOverrides {
  socketPath?: string;
  dataRoot?: string;
  execRoot?: string;
  group?: string;
  logLevel?: string;
  extraArgs?: string[];
  startTimeoutMs?: number;
}

export function localEngineOptions(o: {
  version: string;
  stateDir: string;
  agentDirs: string[];
  /** A packaged app's resources directory (holds bin/berthd, the launcher). */
  resourcesDir?: string;
  overrides?: LocalEngineOverrides;
}): Omit<SupervisorOptions, 'askPassword' | 'settings'> {
  const found = bundledEngine(o.agentDirs, o.resourcesDir);
  const ov = o.overrides ?? {};
  return {
    socketPath: ov.socketPath ?? DEFAULT_SOCKET,
    dataRoot: ov.dataRoot ?? DEFAULT_DATA_ROOT,
    execRoot: ov.execRoot ?? DEFAULT_EXEC_ROOT,
    group: ov.group ?? DEFAULT_GROUP,
    stateDir: path.join(o.stateDir, 'engine'),
    ...(found ? { engine: found.engine } : {}),
    bundledVersion: found?.version ?? o.version,
    systemdUnit: 'berthd.service',
    ...(ov.logLevel ? { logLevel: ov.logLevel } : {}),
    ...(ov.extraArgs ? { extraArgs: ov.extraArgs } : {}),
    ...(ov.startTimeoutMs ? { startTimeoutMs: ov.startTimeoutMs } : {}),
  };
}
