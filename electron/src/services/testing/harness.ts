/** Builds the service layer for a test: temp config/state dirs, optionally a host on an engine socket. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppServices, type AppServicesOptions } from '../app';
import { TestClient } from './client';

export interface Harness {
  app: AppServices;
  client: TestClient;
  dir: string;
  /** Adds a local host for the socket and connects it; returns its id. */
  addLocalHost(socketPath: string, name?: string): Promise<string>;
  dispose(): Promise<void>;
}

export function createHarness(over: Partial<AppServicesOptions> = {}): Harness {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-services-'));
  const app = new AppServices({
    mode: 'web',
    version: '0.0.0-test',
    configDir: path.join(dir, 'config'),
    stateDir: path.join(dir, 'state'),
    ...over,
  });
  const client = new TestClient(app.dispatcher);
  return {
    app,
    client,
    dir,
    async addLocalHost(socketPath, name = 'test engine') {
      const h = await client.ok('hosts:add', { spec: { name, config: { kind: 'local', socketPath } } });
      await client.ok('hosts:connect', { id: h.id });
      return h.id;
    },
    async dispose() {
      client.close();
      await app.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
