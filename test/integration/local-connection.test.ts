/**
 * A local connection to a real berthd socket, with a hostile Docker environment in place
 * (DOCKER_HOST at a trap, TLS on, a missing cert path): the pinned modem ignores all of it.
 */
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createConnection } from '../../electron/src/connections/factory';
import { startBerthd, type BerthdHandle } from '../support/berthd';
import { describeRoot } from '../support/env';
import { recordingPrompter } from '../support/remote-agent';

describeRoot('local connection to berthd', () => {
  let d: BerthdHandle;
  let trap: net.Server;
  let hits = 0;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    d = await startBerthd({ logLevel: 'info' });
    trap = net.createServer((s) => {
      hits++;
      s.destroy();
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
    const hostile = {
      DOCKER_HOST: `tcp://127.0.0.1:${(trap.address() as net.AddressInfo).port}`,
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: path.join(d.dir, 'no-certs-here'),
    };
    for (const [k, v] of Object.entries(hostile)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await new Promise((r) => trap?.close(r));
    await d?.stop();
    d?.cleanup();
  });

  it('identifies berthd through its socket and serves dockerode, whatever DOCKER_HOST says', async () => {
    const conn = createConnection('local', { kind: 'local', socketPath: d.socket }, { prompter: recordingPrompter() });
    const engine = await conn.connect();
    expect(engine).toMatchObject({ flavour: 'berth', os: 'linux' });
    expect(conn.state).toEqual({ status: 'connected', engine });
    const info = await conn.docker().info();
    expect(info.DockerRootDir).toBe(d.dataRoot);
    expect(hits).toBe(0);
    await conn.close();
    expect(conn.state.status).toBe('disconnected');
  });
});
