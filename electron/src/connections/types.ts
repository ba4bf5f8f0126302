/**
 * One interface for every way the app reaches an engine: a local unix socket (berthd, Docker,
 * Podman) or a Windows named pipe, SSH to a remote host (agent installed and started over the
 * connection), or a WSL2 distro (one long-lived wsl.exe process). The service layer only ever
 * sees this interface and the dockerode it hands out.
 */
import type Dockerode from 'dockerode';

export type ConnectionKind = 'local' | 'ssh' | 'wsl';

export type ConnectionState =
  | { status: 'idle' }
  | { status: 'connecting'; detail?: string }
  | { status: 'connected'; engine: EngineIdentity }
  | { status: 'reconnecting'; attempt: number; retryInMs: number; lastError: string }
  | { status: 'disconnected'; reason?: string }
  | { status: 'failed'; error: ConnectionError };

/** What answered at the other end: berthd, Docker or Podman, with versions. */
export interface EngineIdentity {
  /** "berth" | "docker" | "podman" | "unknown" */
  flavour: 'berth' | 'docker' | 'podman' | 'unknown';
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
}

/** Typed connection failures, each a clear message for the UI and a recoverable state. */
export type ConnectionErrorCode =
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
  | 'InvalidConfig';

export interface ConnectionError {
  code: ConnectionErrorCode;
  message: string;
}

/** Questions a connection may need the user to answer (through the UI); never stored. */
export interface ConnectionPrompter {
  /** A host key not in known_hosts: trust it (and remember it)? */
  confirmHostKey(info: { host: string; port: number; keyType: string; fingerprintSha256: string }): Promise<boolean>;
  /** A secret: SSH password, key passphrase, keyboard-interactive answer, sudo password. */
  secret(request: {
    kind: 'password' | 'passphrase' | 'keyboard-interactive' | 'sudo';
    prompt: string;
    host: string;
  }): Promise<string | undefined>;
}

export interface LocalConnectionConfig {
  kind: 'local';
  /** unix socket path (or \\.\pipe\name on Windows). */
  socketPath: string;
}

/** How to log in over SSH. "auto" tries, in OpenSSH's order, the ssh-agent, ~/.ssh/id_{ed25519,ecdsa,rsa}, keyboard-interactive and password. */
export type SshAuthConfig =
  | { method: 'key'; privateKeyPath: string }
  /** agentSocket: a unix socket or Windows pipe path, or "pageant"; default SSH_AUTH_SOCK (Windows: the OpenSSH agent pipe). */
  | { method: 'agent'; agentSocket?: string }
  | { method: 'password' }
  | { method: 'keyboard-interactive' }
  | { method: 'auto' };

/**
 * Where the Berth agent lives on a host (all optional). Defaults: install root ~/.berth-server
 * (a user) or /opt/berth (root; always /opt/berth in WSL), socket /run/berth/berth.sock, data
 * root /var/lib/berth, exec root /run/berth, log <data root>/berthd.log.
 */
export interface AgentPlacement {
  installRoot?: string;
  socketPath?: string;
  dataRoot?: string;
  execRoot?: string;
  logFile?: string;
}

/** Reconnect with exponential back-off (and jitter) after the transport or the agent is lost. */
export interface ReconnectPolicy {
  /** Attempts before the state turns `failed` (default 20; 0 disables reconnecting). */
  maxAttempts?: number;
  /** First delay (default 500 ms), doubled per attempt up to maxDelayMs (default 30 s). */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/** Timeouts and health checking shared by the ssh and wsl connections (all optional). */
export interface TransportTuning {
  /** TCP connect + SSH handshake + authentication, not counting time spent in prompts (default 20 s). */
  connectTimeoutMs?: number;
  /** One remote command of the set-up (default 60 s; uploads get more, by size). */
  commandTimeoutMs?: number;
  /** SSH keep-alive interval (default 15 s; 3 missed answers end the connection). */
  keepaliveIntervalMs?: number;
  /** How often the agent is pinged while connected (default 5 s). */
  healthIntervalMs?: number;
  reconnect?: ReconnectPolicy;
}

export interface SshConnectionConfig extends TransportTuning {
  kind: 'ssh';
  host: string;
  port?: number;
  username: string;
  auth: SshAuthConfig;
  /** known_hosts file used to verify (and, on trust, extend) host keys (default ~/.ssh/known_hosts). */
  knownHostsPath?: string;
  /** Remote socket of an already-running engine; when unset, the Berth agent is installed and started. */
  remoteSocket?: string;
  agent?: AgentPlacement;
}

export interface WslConnectionConfig extends TransportTuning {
  kind: 'wsl';
  distro: string;
  /**
   * The command that stands for wsl.exe (default ["wsl.exe"]); it is run with
   * `-d <distro> -u root --exec <program> <args…>` appended. Tests run the same code on Linux
   * with a local command that accepts those arguments.
   */
  wslCommand?: string[];
  agent?: AgentPlacement;
}

export type ConnectionConfig = LocalConnectionConfig | SshConnectionConfig | WslConnectionConfig;

export interface AgentConnection {
  readonly id: string;
  readonly kind: ConnectionKind;
  readonly state: ConnectionState;
  /** Establish the transport (and, for ssh/wsl, provision and start the agent); resolves when the engine answers /_ping. */
  connect(signal?: AbortSignal): Promise<EngineIdentity>;
  /** A dockerode bound to this connection (built on our own modem/agent; never reads DOCKER_HOST). */
  docker(): Dockerode;
  /** Subscribe to state changes; returns the unsubscribe function. */
  onState(listener: (state: ConnectionState) => void): () => void;
  /** Close the transport and every stream and child process it owns. Idempotent. */
  close(): Promise<void>;
}
