/** The local engine supervisor (finds or starts berthd on this Linux host). */

export type EngineStatus = 'unknown' | 'probing' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** How Berth started (or would start) the engine. */
export type LaunchMethod = 'direct' | 'pkexec' | 'sudo' | 'systemd';

export type EngineFaultCode =
  | 'NoPrivilege'
  | 'WrongPassword'
  | 'PasswordCancelled'
  | 'SocketInUse'
  | 'SocketNotBerth'
  | 'ReadOnlyDataRoot'
  | 'DataRootLocked'
  | 'StartTimeout'
  | 'Exited'
  | 'BinaryMissing'
  | 'GroupSetup'
  | 'Unsupported'
  | 'Unknown';

export interface EngineState {
  status: EngineStatus;
  /** The socket the engine serves (or will serve) the API on. */
  socketPath: string;
  /** The berthd version bundled with this app. */
  bundledVersion: string;
  /** The running engine's version (when it answers). */
  version?: string;
  /** 'started': Berth started it (now or in an earlier run); 'external': someone else did; 'systemd': the unit runs it. */
  origin?: 'started' | 'external' | 'systemd';
  method?: LaunchMethod;
  pid?: number;
  /** ISO time of the last status change. */
  since: string;
  /** failed/stopped: why, in one sentence. */
  reason?: string;
  /** failed: what to do about it. */
  hint?: string;
  code?: EngineFaultCode;
  /** The engine's last log lines (failed, or stopped unexpectedly). */
  logTail?: string[];
  /** Running but worth knowing, e.g. another version than the bundled one. */
  warning?: string;
  /** Whether the UI may offer Start / Stop / Restart (Berth never stops an engine it did not start). */
  canStart: boolean;
  canStop: boolean;
}

export interface EngineSettings {
  /** A socket to look for (after the default one) and to start the engine on. */
  socketPath?: string;
  dataRoot?: string;
  /** Preferred way to get root when the app does not run as root. */
  preferredMethod?: LaunchMethod;
}
