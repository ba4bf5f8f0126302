/**
 * The modem is pinned: with a hostile Docker environment (DOCKER_HOST pointing at a trap,
 * TLS on, a cert path that does not exist, a client timeout and a path prefix) dockerode still
 * talks plain HTTP to our socket or through our agent, and nothing reaches the trap.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Modem from 'docker-modem';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalConnection } from './local';
import { pinnedDocker } from './modem';
import { ChannelAgent } from './transport/channel-agent';

describe('pinned modem under a hostile Docker environment', () => {
  let dir: string;
  let socket: string;
  let server: http.Server;
  let trap: net.Server;
  let trapHits = 0;
  const paths: string[] = [];
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modem-'));
    socket = path.join(dir, 'engine.sock');
    server = http.createServer((req, res) => {
      paths.push(req.url ?? '');
      if (req.url === '/_ping') {
        res.end('OK');
        return;
      }
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify({
          Version: '9.9.9',
          ApiVersion: '1.43',
          Os: 'linux',
          Arch: 'amd64',
          Platform: { Name: 'Berth Engine 9.9.9' },
        }),
      );
    });
    await new Promise<void>((r) => server.listen(socket, r));
    trap = net.createServer((s) => {
      trapHits++;
      s.destroy();
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await new Promise((r) => trap.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    const hostile = {
      DOCKER_HOST: `tcp://127.0.0.1:${(trap.address() as net.AddressInfo).port}`,
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: path.join(dir, 'no-such-certs'),
      DOCKER_CLIENT_TIMEOUT: '1',
      DOCKER_PATH_PREFIX: '/evil/',
    };
    for (const [k, v] of Object.entries(hostile)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    paths.length = 0;
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('is hostile: docker-modem left to itself reads it (and fails on the cert path)', () => {
    expect(() => new Modem({ socketPath: socket })).toThrow(/no-such-certs/);
  });

  it('a local connection still reaches its socket', async () => {
    const conn = new LocalConnection('local', { kind: 'local', socketPath: socket });
    expect(await conn.connect()).toMatchObject({ flavour: 'berth', version: '9.9.9' });
    expect(paths).toEqual(['/_ping', '/version']);
    expect(trapHits).toBe(0);
    // The environment is untouched.
    expect(process.env.DOCKER_HOST).toMatch(/^tcp:/);
    await conn.close();
  });

  it('a modem on our agent still goes through the agent', async () => {
    let dials = 0;
    const agent = new ChannelAgent(async () => {
      dials++;
      return net.connect(socket);
    });
    const docker = pinnedDocker({ agent });
    expect((await docker.version()).Version).toBe('9.9.9');
    expect(dials).toBe(1);
    expect(paths).toEqual(['/version']);
    expect(trapHits).toBe(0);
    agent.destroy();
  });

  it('a missing socket is an Unreachable failure, and a failed state', async () => {
    const conn = new LocalConnection('local', { kind: 'local', socketPath: path.join(dir, 'missing.sock') });
    await expect(conn.connect()).rejects.toMatchObject({
      code: 'Unreachable',
      message: expect.stringMatching(/missing\.sock/),
    });
    expect(conn.state).toMatchObject({ status: 'failed', error: { code: 'Unreachable' } });
    expect(trapHits).toBe(0);
  });
});
