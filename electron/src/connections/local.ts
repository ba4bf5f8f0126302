/**
 * A local engine socket: berthd's, /var/run/docker.sock, Podman's, or a Windows named pipe.
 * The modem is built by us with the socket pinned, so DOCKER_HOST and friends never apply.
 */
import Dockerode from 'dockerode';
import Modem from 'docker-modem';
import { identify } from './identify';
import type { AgentConnection, ConnectionState, EngineIdentity, LocalConnectionConfig } from './types';
import { StateHolder } from './state';

export class LocalConnection implements AgentConnection {
  readonly kind = 'local' as const;
  private readonly states = new StateHolder();
  private readonly client: Dockerode;

  constructor(
    readonly id: string,
    readonly config: LocalConnectionConfig,
  ) {
    const modem = new Modem({ socketPath: config.socketPath, timeout: 0 });
    this.client = new Dockerode({ modem } as unknown as Dockerode.DockerOptions);
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
      const message = `cannot reach the engine at ${this.config.socketPath}: ${(err as Error).message}`;
      this.states.set({ status: 'failed', error: { code: 'Unreachable', message } });
      throw Object.assign(new Error(message), { code: 'Unreachable' });
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
