/** Hosts: the engines the app talks to (the local berthd, other local sockets, SSH, WSL2). */
import type { ErrorPayload } from '../errors';

export type HostKind = 'local' | 'ssh' | 'wsl';

export interface LocalHostConfig {
  kind: 'local';
  /** A unix socket path, or \\.\pipe\name on Windows. */
  socketPath: string;
}

export type SshAuth =
  { method: 'key'; privateKeyPath: string } | { method: 'agent'; agentSocket?: string } | { method: 'password' };

export interface SshHostConfig {
  kind: 'ssh';
  host: string;
  port?: number;
  username: string;
  auth: SshAuth;
  knownHostsPath?: string;
  /** Socket of an engine already running there; when unset, Berth installs and starts its agent. */
  remoteSocket?: string;
}

export interface WslHostConfig {
  kind: 'wsl';
  distro: string;
}

export type HostConfig = LocalHostConfig | SshHostConfig | WslHostConfig;

/** What the user enters to add or edit a host. Secrets are never part of it: they are prompted for. */
export interface HostSpec {
  name: string;
  config: HostConfig;
  /** Connect when the app starts (default true). */
  autoConnect?: boolean;
}

/** What answered at the other end. */
export interface EngineIdentity {
  flavour: 'berth' | 'docker' | 'podman' | 'unknown';
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
}

export type HostErrorCode =
  | 'Unreachable'
  | 'AuthFailed'
  | 'HostKeyUnknownRejected'
  | 'HostKeyChanged'
  | 'SudoRefused'
  | 'NoSpace'
  | 'InstallFailed'
  | 'AgentFailed'
  | 'Timeout'
  | 'Cancelled'
  | 'InvalidConfig'
  | 'EngineStopped';

export type HostState =
  | { status: 'idle' }
  | { status: 'connecting'; detail?: string }
  | { status: 'connected'; engine: EngineIdentity }
  | { status: 'reconnecting'; attempt: number; retryInMs: number; lastError: string }
  | { status: 'disconnected'; reason?: string }
  | { status: 'failed'; error: { code: HostErrorCode; message: string } };

export interface HostSummary {
  id: string;
  name: string;
  kind: HostKind;
  config: HostConfig;
  autoConnect: boolean;
  /** The built-in host bound to the engine supervisor (not removable; its socket follows the supervisor). */
  builtin: boolean;
  state: HostState;
}

/** The engine's /info and /version, trimmed to what the status bar and host views show. */
export interface HostInfo {
  hostId: string;
  engine: EngineIdentity;
  name: string;
  serverVersion: string;
  operatingSystem: string;
  kernelVersion: string;
  architecture: string;
  ncpu: number;
  memTotal: number;
  dataRoot: string;
  cgroupVersion: string;
  containers: { total: number; running: number; paused: number; stopped: number };
  images: number;
  warnings: string[];
}

/** A question a connection or the engine supervisor asks the user; answered with `prompts:answer`. */
export type PromptRequest =
  | {
      id: string;
      kind: 'hostKey';
      hostId: string;
      host: string;
      port: number;
      keyType: string;
      fingerprintSha256: string;
    }
  | {
      id: string;
      kind: 'secret';
      /** Undefined for the local engine supervisor's sudo prompt. */
      hostId?: string;
      secretKind: 'password' | 'passphrase' | 'keyboard-interactive' | 'sudo';
      prompt: string;
      host: string;
      /** Set when a previous answer was wrong. */
      retryReason?: string;
    };

export type PromptAnswer = { kind: 'hostKey'; trust: boolean } | { kind: 'secret'; value?: string };

export type { ErrorPayload };
