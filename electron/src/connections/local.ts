/**
 * A local engine socket: berthd's, /var/run/docker.sock, Podman's, or a Windows named pipe.
 * The modem is built by us with the socket pinned, so DOCKER_HOST and friends never apply.
 */
import type Dockerode from 'dockerode';
import { ConnectionFailure, errorText } from './errors';
import { identify } from './identify';
import { pinnedDocker } from './modem';
import { StateHolder } from './state';
import type { AgentConnection, ConnectionState, EngineIdentity, LocalConnectionConfig } from './types';

export class LocalConnection implements AgentConnection {
  readonly kind = 'local' as const;
  private readonly states = new StateHolder();
  private readonly client: Dockerode;

  constructor(
    readonly id: string,
    readonly config: LocalConnectionConfig,
  ) {
    if (!config.socketPath) throw new ConnectionFailure('InvalidConfig', 'a local connection needs a socket path');
    this.client = pinnedDocker({ socketPath: config.socketPath });
  }

  get state(): ConnectionState {
    return this.states.current;
  }

  onState(listener: (s: ConnectionState) => void): () => void {
    return this.states.subscribe(listener);
  }

  async connect(signal?: AbortSignal): Promise<EngineIdentity> {
    this.states.set({ status: 'connecting', detail: this.config.socketPath });
    try {
      const engine = await identify(this.client, signal);
      this.states.set({ status: 'connected', engine });
      return engine;
    } catch (err) {
      const f = signal?.aborted
        ? new ConnectionFailure('Cancelled', `connecting to ${this.config.socketPath} was cancelled`)
        : new ConnectionFailure(
            'Unreachable',
            `cannot reach the engine at ${this.config.socketPath}: ${errorText(err)}`,
            {
              cause: err,
            },
          );
      this.states.set({ status: 'failed', error: f.toJSON() });
      throw f;
    }
  }

  docker(): Dockerode {
    return this.client;
  }

  async close(): Promise<void> {
    this.states.set({ status: 'disconnected' });
    this.states.clear();
  }
}
