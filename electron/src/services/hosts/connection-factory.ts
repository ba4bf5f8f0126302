/**
 * Builds the AgentConnection for a host config through the connections package's factory:
 * local sockets, SSH (the agent is installed from the bundle and started over the connection)
 * and WSL. The contract's host configs are a subset of the connection configs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createConnection } from '../../connections/factory';
import type { AgentConnection, ConnectionConfig, ConnectionPrompter } from '../../connections/types';
import type { HostConfig } from '../../contract/models/hosts';

export type ConnectionFactory = (id: string, config: HostConfig, prompter: ConnectionPrompter) => AgentConnection;

/** A factory installing agents from `bundleDir` (dist/agent-bundle/<version>, or the app's resources). */
export function connectionFactoryFor(bundleDir: string | undefined): ConnectionFactory {
  return (id, config, prompter) =>
    createConnection(id, config as ConnectionConfig, { prompter, ...(bundleDir ? { bundleDir } : {}) });
}

export const defaultConnectionFactory: ConnectionFactory = connectionFactoryFor(process.env.BERTH_AGENT_BUNDLE);

/** The first directory holding an agent bundle (bundle.json), or undefined. */
export function findAgentBundle(candidates: Array<string | undefined>): string | undefined {
  for (const c of candidates) {
    if (c && fs.existsSync(path.join(c, 'bundle.json'))) return c;
  }
  return undefined;
}
