import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseIPv4 } from '../ip';
import { Forwarder, parseUpstream, type Upstream } from './forwarder';
import {
  RCODE_NXDOMAIN,
  RCODE_SERVFAIL,
  TYPE_A,
  TYPE_AAAA,
  TYPE_PTR,
  buildQuery,
  buildResponse,
  parseQuery,
  parseResponse,
  parseReverseName,
  readName,
} from './message';
import { DnsServer, type DnsRecords } from './server';

/** A fake upstream on loopback: answers every A query with 192.0.2.77 (or NXDOMAIN for "nx."). */
async function fakeUpstream(): Promise<{ up: Upstream; queries: string[]; close(): Promise<void> }> {
  const queries: string[] = [];
  const newUdp = (): dgram.Socket => {
    const u = dgram.createSocket('udp4');
    u.on('message', (msg, r) => {
      const q = parseQuery(msg);
      queries.push(q.question!.name);
      const data = Buffer.from([192, 0, 2, 77]);
      const reply = q.question!.name.startsWith('nx.')
        ? buildResponse(msg, q, RCODE_NXDOMAIN, [], false)
        : buildResponse(msg, q, 0, [{ type: TYPE_A, ttl: 30, data }], false);
      u.send(reply, r.port, r.address);
    });
    return u;
  };
  let s = newUdp();
  const tcp = net.createServer((c) => {
    c.on('data', (b: Buffer) => {
      const msg = b.subarray(2);
      const q = parseQuery(msg);
      queries.push('tcp:' + q.question!.name);
      const reply = buildResponse(msg, q, 0, [{ type: TYPE_A, ttl: 30, data: Buffer.from([192, 0, 2, 78]) }], false);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(reply.length, 0);
      c.end(Buffer.concat([len, reply]));
    });
  });
  // A free UDP port whose TCP twin is free too (another process may hold it).
  let port = 0;
  for (let attempt = 0; !port; attempt++) {
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const p = s.address().port;
    const ok = await new Promise<boolean>((r) => {
      tcp.once('error', () => r(false));
      tcp.listen(p, '127.0.0.1', () => r(true));
    });
    if (ok) port = p;
    else if (attempt > 8) throw new Error('no free UDP+TCP port pair');
    else {
      await new Promise<void>((r) => s.close(() => r()));
      s = newUdp();
    }
  }
  return {
    up: { host: '127.0.0.1', port },
    queries,
    close: async () => {
      await new Promise<void>((r) => s.close(() => r()));
      await new Promise<void>((r) => tcp.close(() => r()));
    },
  };
}

function udpAsk(port: number, q: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const c = dgram.createSocket('udp4');
    const t = setTimeout(() => {
      c.close();
      reject(new Error('no answer'));
    }, 5000);
    c.on('message', (m) => {
      clearTimeout(t);
      c.close();
      resolve(m);
    });
    c.send(q, port, '127.0.0.1');
  });
}

function tcpAsk(port: number, q: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    c.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(q.length, 0);
      c.write(Buffer.concat([len, q]));
    });
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        c.destroy();
        resolve(buf.subarray(2));
      }
    });
    c.on('error', reject);
  });
}

describe('DNS message codec', () => {
  it('round-trips a query and reads compressed names', () => {
    const q = buildQuery(0x1234, 'web.example', TYPE_A);
    const p = parseQuery(q);
    expect(p.id).toBe(0x1234);
    expect(p.question).toEqual({ name: 'web.example', type: TYPE_A, cls: 1 });
    const r = buildResponse(q, p, 0, [{ type: TYPE_A, ttl: 600, data: Buffer.from([10, 0, 0, 2]) }]);
    const parsed = parseResponse(r);
    expect(parsed.answers[0]!.name).toBe('web.example');
    expect([...parsed.answers[0]!.data]).toEqual([10, 0, 0, 2]);
  });
  it('refuses pointer loops and truncated names', () => {
    const loop = Buffer.from([0xc0, 0x00]);
    expect(() => readName(loop, 0)).toThrow(/loop/);
    expect(() => readName(Buffer.from([5, 97, 98]), 0)).toThrow(/past the message/);
  });
  it('parses reverse names', () => {
    expect(parseReverseName('2.0.17.172.in-addr.arpa')).toBe(parseIPv4('172.17.0.2'));
    expect(parseReverseName('example.com')).toBeUndefined();
  });
  it('parses upstreams with and without a port', () => {
    expect(parseUpstream('10.0.0.1')).toEqual({ host: '10.0.0.1', port: 53 });
    expect(parseUpstream('127.0.0.1:5353')).toEqual({ host: '127.0.0.1', port: 5353 });
  });
});

describe('embedded DNS server', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  async function serve(records: Partial<DnsRecords>, timeoutMs = 500): Promise<DnsServer> {
    const s = new DnsServer({
      address: '127.0.0.1',
      port: 0,
      timeoutMs,
      records: { lookup: () => undefined, reverse: () => undefined, upstreamsFor: () => [], ...records },
    });
    await s.start();
    cleanup.push(() => s.close());
    return s;
  }

  it('answers names it owns, with no upstream involved', async () => {
    const up = await fakeUpstream();
    cleanup.push(up.close);
    const s = await serve({
      lookup: (n) => (n === 'web' ? [parseIPv4('10.5.0.2')] : undefined),
      reverse: (ip) => (ip === parseIPv4('10.5.0.2') ? 'web.mynet' : undefined),
      upstreamsFor: () => [up.up],
    });
    const a = parseResponse(await udpAsk(s.port, buildQuery(7, 'WEB.', TYPE_A)));
    expect(a.id).toBe(7);
    expect([...a.answers[0]!.data]).toEqual([10, 5, 0, 2]);
    const aaaa = parseResponse(await udpAsk(s.port, buildQuery(8, 'web', TYPE_AAAA)));
    expect(aaaa.rcode).toBe(0);
    expect(aaaa.answers).toHaveLength(0);
    const ptr = parseResponse(await udpAsk(s.port, buildQuery(9, '2.0.5.10.in-addr.arpa', TYPE_PTR)));
    expect(readName(ptr.answers[0]!.data, 0).name).toBe('web.mynet');
    expect(up.queries).toEqual([]);
  });

  it('forwards other names to the upstream and restores the client ID', async () => {
    const up = await fakeUpstream();
    cleanup.push(up.close);
    const s = await serve({ upstreamsFor: () => [up.up] });
    const r = parseResponse(await udpAsk(s.port, buildQuery(0xbeef, 'example.org', TYPE_A)));
    expect(r.id).toBe(0xbeef);
    expect([...r.answers[0]!.data]).toEqual([192, 0, 2, 77]);
    const nx = parseResponse(await udpAsk(s.port, buildQuery(2, 'nx.example.org', TYPE_A)));
    expect(nx.rcode).toBe(RCODE_NXDOMAIN);
    expect(up.queries).toEqual(['example.org', 'nx.example.org']);
  });

  it('forwards over TCP for TCP clients', async () => {
    const up = await fakeUpstream();
    cleanup.push(up.close);
    const s = await serve({
      upstreamsFor: () => [up.up],
      lookup: (n) => (n === 'db' ? [parseIPv4('10.5.0.9')] : undefined),
    });
    const own = parseResponse(await tcpAsk(s.port, buildQuery(3, 'db', TYPE_A)));
    expect([...own.answers[0]!.data]).toEqual([10, 5, 0, 9]);
    const fwd = parseResponse(await tcpAsk(s.port, buildQuery(4, 'big.example', TYPE_A)));
    expect([...fwd.answers[0]!.data]).toEqual([192, 0, 2, 78]);
    expect(up.queries).toEqual(['tcp:big.example']);
  });

  it('tries the next upstream after a silent one and answers SERVFAIL when none answers', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise<void>((r) => silent.close(() => r())));
    const dead = { host: '127.0.0.1', port: silent.address().port };
    const up = await fakeUpstream();
    cleanup.push(up.close);
    const s = await serve({ upstreamsFor: () => [dead, up.up] }, 200);
    const r = parseResponse(await udpAsk(s.port, buildQuery(5, 'example.net', TYPE_A)));
    expect([...r.answers[0]!.data]).toEqual([192, 0, 2, 77]);
    const s2 = await serve({ upstreamsFor: () => [dead] }, 200);
    const f = parseResponse(await udpAsk(s2.port, buildQuery(6, 'example.net', TYPE_A)));
    expect(f.rcode).toBe(RCODE_SERVFAIL);
  });

  it('ignores garbage and closes every socket', async () => {
    const s = await serve({});
    expect(await s.answer(Buffer.from([1, 2, 3]), '127.0.0.1', false)).toBeUndefined();
    const port = s.port;
    await s.close();
    const again = new DnsServer({
      address: '127.0.0.1',
      port,
      records: { lookup: () => undefined, reverse: () => undefined, upstreamsFor: () => [] },
    });
    await again.start();
    await again.close();
    const f = new Forwarder(100);
    f.close();
    expect(await f.forward(buildQuery(1, 'x', TYPE_A), [{ host: '127.0.0.1', port: 9 }])).toBeUndefined();
  });
});
