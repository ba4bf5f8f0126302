/**
 * ChannelAgent and the socket shim over plain stream pairs and a real HTTP server: requests go
 * over dialed Duplexes, keep-alive reuses them, the cap holds with asynchronous dialing, inspect
 * is cheap, and the idle timer of the shim behaves like a socket's.
 */
import http from 'node:http';
import net from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelAgent } from './channel-agent';
import { asSocketLike } from './socket-like';

/** A Duplex that is not a net.Socket (like an ssh2 channel), connected to the server. */
function pipeDuplex(server: http.Server): Duplex {
  const toServer = new PassThrough();
  const fromServer = new PassThrough();
  const d = new Duplex({
    read() {
      /* pushed below */
    },
    write(chunk, _enc, cb) {
      toServer.write(chunk, cb);
    },
    final(cb) {
      toServer.end();
      cb();
    },
  });
  fromServer.on('data', (c: Buffer) => d.push(c));
  fromServer.on('end', () => d.push(null));
  const serverSide = Duplex.from({ readable: toServer, writable: fromServer }) as unknown as net.Socket;
  server.emit('connection', serverSide);
  return d;
}

describe('ChannelAgent', () => {
  let server: http.Server;
  let served = 0;
  beforeAll(() => {
    server = http.createServer((req, res) => {
      served++;
      res.setHeader('Content-Type', 'text/plain');
      res.end(`hello ${req.url}`);
    });
  });
  afterAll(() => server.close());

  function get(agent: http.Agent, path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      http
        .get({ agent, host: 'agent.invalid', path }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve(body));
        })
        .on('error', reject);
    });
  }

  it('sends requests over dialed streams and reuses them (keep-alive)', async () => {
    let dials = 0;
    const agent = new ChannelAgent(async () => {
      dials++;
      return pipeDuplex(server);
    });
    expect(await get(agent, '/a')).toBe('hello /a');
    expect(await get(agent, '/b')).toBe('hello /b');
    expect(dials).toBe(1);
    expect(agent.openConnections()).toBe(1);
    agent.destroy();
  });

  it('holds its cap even though dialing is asynchronous', async () => {
    let dials = 0;
    const agent = new ChannelAgent(
      async () => {
        dials++;
        await new Promise((r) => setTimeout(r, 20));
        return pipeDuplex(server);
      },
      { maxSockets: 3 },
    );
    const before = served;
    const bodies = await Promise.all(Array.from({ length: 10 }, (_, i) => get(agent, `/${i}`)));
    expect(bodies.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `hello /${i}`).sort());
    expect(served - before).toBe(10);
    expect(dials).toBe(3);
    agent.destroy();
  });

  it('reports a failed dial as the request error', async () => {
    const agent = new ChannelAgent(async () => {
      throw new Error('no route');
    });
    await expect(get(agent, '/x')).rejects.toThrow('no route');
  });

  it('createConnection answers through the callback and returns undefined', async () => {
    const agent = new ChannelAgent(async () => pipeDuplex(server));
    const got = await new Promise<{ ret: unknown; stream: Duplex }>((resolve) => {
      const ret = agent.createConnection({}, (_err, stream) => resolve({ ret, stream }));
    });
    expect(got.ret).toBeUndefined();
    expect(typeof (got.stream as unknown as { setNoDelay: unknown }).setNoDelay).toBe('function');
    got.stream.destroy();
  });

  it('is cheap to inspect (docker-modem inspects request options on every request)', () => {
    const agent = new ChannelAgent(async () => pipeDuplex(server), { label: 'x' });
    expect(inspect({ agent }, { showHidden: true, depth: null })).toContain('[ChannelAgent x]');
    expect(inspect(agent, { showHidden: true, depth: null }).length).toBeLessThan(100);
  });
});

describe('asSocketLike', () => {
  it('adds the socket methods and an idle timer refreshed by traffic', async () => {
    const s = asSocketLike(new PassThrough());
    expect(s.setKeepAlive(true)).toBe(s);
    expect(s.setNoDelay(true)).toBe(s);
    expect(s.ref()).toBe(s);
    expect(s.unref()).toBe(s);
    let timeouts = 0;
    s.on('timeout', () => timeouts++);
    s.setTimeout(80);
    expect(s.timeout).toBe(80);
    // Traffic every 40 ms keeps it from firing.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 40));
      s.write('x');
    }
    expect(timeouts).toBe(0);
    await new Promise((r) => setTimeout(r, 150));
    expect(timeouts).toBe(1);
    s.setTimeout(0);
    s.destroy();
  });

  it('keeps stream errors from becoming uncaught exceptions', () => {
    const s = asSocketLike(new PassThrough());
    expect(() => s.destroy(new Error('transport hiccup'))).not.toThrow();
    expect(s.listenerCount('error')).toBeGreaterThan(0);
  });

  it('is idempotent', () => {
    const raw = new PassThrough();
    const a = asSocketLike(raw);
    const listeners = raw.listenerCount('close');
    expect(asSocketLike(raw)).toBe(a);
    expect(raw.listenerCount('close')).toBe(listeners);
    raw.destroy();
  });
});

describe('asSocketLike with http keep-alive', () => {
  it('drops the per-request timeout listener when the socket goes back to the pool', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    const raw = new PassThrough();
    let shimmed: Duplex | undefined;
    const agent = new ChannelAgent(async () => {
      shimmed = pipeDuplex(server);
      return shimmed;
    });
    for (let i = 0; i < 15; i++) {
      await new Promise<void>((resolve, reject) => {
        http
          .get({ agent, host: 'x.invalid', path: '/', timeout: 5000 }, (res) => {
            res.resume();
            res.on('end', resolve);
          })
          .on('error', reject);
      });
    }
    expect(shimmed!.listenerCount('timeout')).toBeLessThanOrEqual(1);
    agent.destroy();
    raw.destroy();
    server.close();
  });
});
