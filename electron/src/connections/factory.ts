/**
 * The one place that turns a ConnectionConfig into an AgentConnection (local socket or pipe,
 * SSH, WSL). The agent bundle is loaded lazily, once, and only for connections that need it.
 */
import { ConnectionFailure } from './errors';
import { LocalConnection } from './local';
import { AgentBundle } from './remote/bundle';
import { SshConnection } from './ssh/connection';
import type { AgentConnection, ConnectionConfig, ConnectionPrompter } from './types';
import { WslConnection } from './wsl/connection';

export interface ConnectionDeps {
  /** Answers host-key questions and asks for secrets (through the UI). */
  prompter: ConnectionPrompter;
  /**
   * The agent bundle directory (holding bundle.json): dist/agent-bundle/<version> in a checkout,
   * the app's resources when packaged. Needed for ssh (without remoteSocket) and wsl.
   */
  bundleDir?: string;
}

export function createConnection(id: string, config: ConnectionConfig, deps: ConnectionDeps): AgentConnection {
  let bundle: AgentBundle | undefined;
  const loadBundle = (): AgentBundle => {
    if (!deps.bundleDir) {
      throw new ConnectionFailure(
        'InvalidConfig',
        'no agent bundle is configured (ConnectionDeps.bundleDir); run npm run build:agent',
      );
    }
    return (bundle ??= AgentBundle.load(deps.bundleDir));
  };
  switch (config.kind) {
    case 'local':
      return new LocalConnection(id, config);
    case 'ssh':
      return new SshConnection(id, config, { prompter: deps.prompter, bundle: loadBundle });
    case 'wsl':
      return new WslConnection(id, config, { prompter: deps.prompter, bundle: loadBundle });
    default:
      throw new ConnectionFailure('InvalidConfig', `unknown connection kind: ${(config as { kind?: unknown }).kind}`);
  }
}
