/**
 * Builds the AgentConnection for a host config. Local sockets use connections/local.ts. SSH and
 * WSL connections come from the connections package's own factory (desktop-conn); until it is
 * wired in here, those kinds are refused with a clear message rather than faked.
 */
import type { HostConfig } from '../../contract/models/hosts';
import { LocalConnection } from '../../connections/local';
import type { AgentConnection, ConnectionPrompter } from '../../connections/types';
import { ServiceError } from '../errors';

export type ConnectionFactory = (id: string, config: HostConfig, prompter: ConnectionPrompter) => AgentConnection;

export const defaultConnectionFactory: ConnectionFactory = (id, config) => {
  if (config.kind === 'local') return new LocalConnection(id, config);
  throw new ServiceError('NotImplemented', `${config.kind.toUpperCase()} hosts are not available in this build yet`, {
    hint: 'The SSH and WSL transports are being added (electron/src/connections); local sockets work now.',
  });
};
