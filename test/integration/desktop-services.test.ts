/**
 * The desktop service layer against a real berthd, for what berthd serves today (/_ping, /version,
 * /info): connecting a local host, identifying the engine, host info, and recovery when the agent
 * dies and comes back. Containers, images, volumes, networks, stats, logs, exec and events are
 * tested against the fake engine in electron/src/services/*.test.ts until berthd serves them;
 * extend this file with those suites (same service calls) as the endpoints land.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../electron/src/services/testing/harness';
import { startBerthd, type BerthdHandle } from '../support/berthd';
import { berthdBin, describeRoot } from '../support/env';

const VERSION = fs.readFileSync(path.join(path.dirname(berthdBin), 'VERSION'), 'utf8').trim();

describeRoot('service layer against berthd', () => {
  let d: BerthdHandle;
  let h: Harness;
  let hostId: string;

  beforeAll(async () => {
    d = await startBerthd();
    h = createHarness();
  });
  afterAll(async () => {
    await h?.dispose();
    await d?.stop();
    d?.cleanup();
  });

  it('connects a local host and identifies berthd, whatever DOCKER_HOST says', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      hostId = await h.addLocalHost(d.socket, 'berthd');
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
    const s = (await h.client.ok('hosts:list', {})).find((x) => x.id === hostId)!;
    expect(s.state).toEqual({
      status: 'connected',
      engine: {
        flavour: 'berth',
        version: VERSION,
        apiVersion: '1.43',
        os: 'linux',
        arch: expect.any(String) as string,
      },
    });
  });

  it("reports the host's resources from /info and /version", async () => {
    const info = await h.client.ok('hosts:info', { hostId });
    expect(info).toMatchObject({
      ncpu: os.availableParallelism(),
      memTotal: os.totalmem(),
      kernelVersion: os.release(),
      serverVersion: VERSION,
      dataRoot: d.dataRoot,
      engine: { flavour: 'berth' },
    });
  });

  it('keeps the host connected when the engine lacks an endpoint (a typed error, not a reconnect)', async () => {
    const opened = await h.client.subscribe('engine:events', { hostId }).then(
      async (s) => (await s.close(), 'opened'),
      (e: { payload?: { code: string } }) => e.payload?.code,
    );
    expect(['opened', 'NotFound']).toContain(opened);
    expect((await h.client.ok('hosts:list', {})).find((x) => x.id === hostId)!.state.status).toBe('connected');
  });

  it('notices the agent dying and reconnects when it is back on the same socket', async () => {
    (h.app.hosts as unknown as { opts: { baseDelayMs: number } }).opts.baseDelayMs = 100;
    const mark = h.client.frames.length;
    await d.kill9();
    const err = await h.client.fails('hosts:info', { hostId });
    expect(err).toMatchObject({ code: 'Unavailable', hostId });
    await h.client.waitEvent('hosts:state', (s) => s.id === hostId && s.state.status === 'reconnecting', 10_000, mark);
    d = await startBerthd({ dir: d.dir });
    await h.client.waitEvent('hosts:state', (s) => s.id === hostId && s.state.status === 'connected', 30_000, mark);
    expect((await h.client.ok('hosts:info', { hostId })).engine.flavour).toBe('berth');
  });
});
