/**
 * Containers on bridge networks, at the network module's level (stand-in containers are network
 * namespaces running busybox): published ports from the host's loopback and from another
 * container, port conflicts, names and aliases through the embedded DNS, isolation between
 * networks, /etc files, connect/disconnect of a running container.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conflict, Forbidden } from '../../runtime-agent/src/errdefs';
import { parsePortSpec } from '../../runtime-agent/src/network/ports/spec';
import { describeRoot } from '../support/env';
import { BUSYBOX, freeSubnet, hostLinks } from '../support/netns';
import { freePort } from '../support/ports';
import {
  fakeContainer,
  hostGet,
  nftTable,
  request,
  serveFile,
  testNetwork,
  type FakeContainer,
  type TestNet,
} from './network-helpers';

describeRoot(
  'network: bridge networks, published ports, DNS',
  () => {
    let t: TestNet;
    const made: FakeContainer[] = [];
    const dirs: string[] = [];
    const container = async (name: string): Promise<FakeContainer> => {
      const c = await fakeContainer(t, name);
      made.push(c);
      return c;
    };

    beforeAll(async () => {
      t = await testNetwork();
    });
    afterAll(async () => {
      for (const c of made) {
        await t?.svc.detach(c.id, { release: true }).catch(() => undefined);
        await c.ns.remove();
      }
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
      await t?.cleanup();
    });

    describe('published ports on the default bridge', () => {
      let web: FakeContainer;
      let hostPort: number;
      let gateway: string;

      beforeAll(async () => {
        web = await container('web');
        hostPort = await freePort();
        const r = await t.svc.attach(
          web.id,
          { path: web.ns.path },
          request(web, 'bridge', {
            ports: parsePortSpec(`127.0.0.1:${hostPort}:80`),
            exposedPorts: ['80/tcp'],
          }),
        );
        expect(r.settings.Ports['80/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(hostPort) }]);
        expect(r.settings.IPAddress).toMatch(/^\d+\.\d+\.\d+\.2$/);
        gateway = r.settings.Gateway;
        dirs.push(await serveFile(web, 'hello from web\n'));
      });

      it('serves the file to the host at 127.0.0.1:<port>', async () => {
        expect(await hostGet(`http://127.0.0.1:${hostPort}/index.html`)).toBe('hello from web\n');
      });

      it('serves it to another container through the published port on the gateway (and to itself)', async () => {
        const other = await container('client');
        const s = await t.svc.attach(
          other.id,
          { path: other.ns.path },
          request(other, 'bridge', {
            ports: parsePortSpec(`${hostPort + 0}`).map((p) => ({ ...p, containerPort: 8080 })),
          }),
        );
        expect(s.settings.Gateway).toBe(gateway);
        // bound on 127.0.0.1 only: not on the gateway address
        expect(await other.get(`http://${gateway}:${hostPort}/index.html`, 2)).toBeUndefined();
        const any = await freePort();
        const pub = await container('pub');
        await t.svc.attach(
          pub.id,
          { path: pub.ns.path },
          request(pub, 'bridge', { ports: parsePortSpec(`${any}:80`) }),
        );
        dirs.push(await serveFile(pub, 'published on every address\n'));
        expect(await other.get(`http://${gateway}:${any}/index.html`)).toBe('published on every address\n');
        expect(await pub.get(`http://${gateway}:${any}/index.html`)).toBe('published on every address\n');
        expect(await hostGet(`http://127.0.0.1:${any}/index.html`)).toBe('published on every address\n');
      });

      it('refuses a second publisher of the same host port, naming it, and leaves nothing behind', async () => {
        const second = await container('second');
        const before = await hostLinks(t.prefix);
        const err = await t.svc
          .attach(
            second.id,
            { path: second.ns.path },
            request(second, 'bridge', { ports: parsePortSpec(`127.0.0.1:${hostPort}:80`) }),
          )
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(Conflict);
        expect((err as Error).message).toBe(`Bind for 127.0.0.1:${hostPort} failed: port is already allocated`);
        expect(await hostLinks(t.prefix)).toEqual(before);
        expect(t.svc.settings(second.id)).toBeUndefined();
        expect((await second.run(['ip', '-o', 'link'])).stdout).not.toMatch(/eth0/);
        // the port of the first container still works, and the address was not consumed
        expect(await hostGet(`http://127.0.0.1:${hostPort}/index.html`)).toBe('hello from web\n');
      });

      it('refuses a port another program on the host holds', async () => {
        const holder = net.createServer();
        const port = await freePort();
        await new Promise<void>((r) => holder.listen(port, '0.0.0.0', () => r()));
        try {
          const c = await container('busy');
          const err = await t.svc
            .attach(c.id, { path: c.ns.path }, request(c, 'bridge', { ports: parsePortSpec(`${port}:80`) }))
            .catch((e: unknown) => e);
          expect(err).toBeInstanceOf(Conflict);
          expect((err as Error).message).toContain(`0.0.0.0:${port}`);
          expect(t.svc.settings(c.id)).toBeUndefined();
        } finally {
          holder.close();
        }
      });

      it("keeps containers away from the host's loopback (route_localnet on the bridge)", async () => {
        // A service on the host's 127.0.0.1 must not see packets a container crafts to it.
        const got: string[] = [];
        const sink = dgram.createSocket('udp4');
        sink.on('message', (m) => got.push(m.toString()));
        await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
        try {
          const c = await container('evil');
          const r = await t.svc.attach(c.id, { path: c.ns.path }, request(c, 'bridge'));
          // Inside the container: stop treating 127.0.0.1 as local and route it to the gateway.
          for (const cmd of [
            ['ip', 'route', 'del', 'local', '127.0.0.0/8', 'dev', 'lo', 'table', 'local'],
            ['ip', 'route', 'del', 'local', '127.0.0.1', 'dev', 'lo', 'table', 'local'],
            ['sysctl', '-qw', 'net.ipv4.conf.all.route_localnet=1', 'net.ipv4.conf.eth0.route_localnet=1'],
            ['ip', 'route', 'add', '127.0.0.1/32', 'via', r.settings.Gateway, 'dev', 'eth0'],
          ])
            expect((await c.run(cmd)).code, cmd.join(' ')).toBe(0);
          const port = (sink.address() as { port: number }).port;
          const send = `const s=require('dgram').createSocket('udp4');let n=0;const t=setInterval(()=>{s.send('hi',${port},'127.0.0.1');if(++n===5){clearInterval(t);setTimeout(()=>s.close(),100)}},50)`;
          expect((await c.run([process.execPath, '-e', send])).code).toBe(0);
          await new Promise((res) => setTimeout(res, 500));
          expect(got).toEqual([]);
          // …and the packets did reach the host, where Berth's guard dropped them.
          expect(await nftTable(t.prefix)).toMatch(/ip daddr 127\.0\.0\.0\/8 counter packets [1-9]/);
        } finally {
          sink.close();
        }
      });

      it('publishes random host ports (-P), ranges and UDP', async () => {
        const c = await container('multi');
        const lo = await freePort();
        const r = await t.svc.attach(
          c.id,
          { path: c.ns.path },
          request(c, 'bridge', {
            ports: [
              ...parsePortSpec('127.0.0.1::80'),
              ...parsePortSpec(`127.0.0.1:${lo}-${lo + 20}:81`),
              ...parsePortSpec('127.0.0.1::5000/udp'),
            ],
          }),
        );
        const p80 = Number(r.settings.Ports['80/tcp']![0]!.HostPort);
        const p81 = Number(r.settings.Ports['81/tcp']![0]!.HostPort);
        const pudp = Number(r.settings.Ports['5000/udp']![0]!.HostPort);
        expect(p80).toBeGreaterThan(1024);
        expect(p81).toBeGreaterThanOrEqual(lo);
        expect(p81).toBeLessThanOrEqual(lo + 20);
        dirs.push(await serveFile(c, 'random\n'));
        expect(await hostGet(`http://127.0.0.1:${p80}/index.html`)).toBe('random\n');
        // UDP: an echo server inside answers through the published port.
        c.ns.spawn([
          process.execPath,
          '-e',
          "const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send(m,r.port,r.address));s.bind(5000)",
        ]);
        const reply = await udpEcho(pudp, 'ping-udp');
        expect(reply).toBe('ping-udp');
        expect(await nftTable(t.prefix)).toContain(`127.0.0.1 . udp . ${pudp}`);
      });
    });

    describe('user-defined networks', () => {
      let netA: string;
      let web: FakeContainer;
      let client: FakeContainer;
      let stranger: FakeContainer;
      let webIp: string;

      beforeAll(async () => {
        const a = await t.svc.create({ name: `front-${t.prefix}`, ipam: { config: [{ subnet: await freeSubnet() }] } });
        netA = a.name;
        const b = await t.svc.create({ name: `back-${t.prefix}` });
        web = await container('web1');
        client = await container('client1');
        stranger = await container('stranger');
        const r = await t.svc.attach(
          web.id,
          { path: web.ns.path },
          request(web, netA, {
            endpoints: [{ network: netA, aliases: ['www', 'site'] }],
          }),
        );
        webIp = r.settings.Networks[netA]!.IPAddress;
        await t.svc.attach(
          client.id,
          { path: client.ns.path },
          request(client, netA, {
            extraHosts: ['db.local:10.1.2.3', 'gw:host-gateway'],
            dnsSearch: ['corp.test'],
            hostname: 'clienthost',
          }),
        );
        await t.svc.attach(stranger.id, { path: stranger.ns.path }, request(stranger, b.name));
        dirs.push(await serveFile(web, 'web on a user network\n'));
      });

      it('lets containers reach each other by name and alias through the embedded DNS', async () => {
        expect(await client.get('http://web1/index.html')).toBe('web on a user network\n');
        expect(await client.get('http://www/index.html')).toBe('web on a user network\n');
        expect(await client.get(`http://web1.${netA}/index.html`)).toBe('web on a user network\n');
        // (busybox nslookup only tries the search domain when there is one: ask from web, which has none)
        const look = await web.run([BUSYBOX, 'nslookup', 'site']);
        expect(look.stdout).toContain(webIp);
      });

      it('forwards other names to the upstream resolver', async () => {
        const look = await web.run([BUSYBOX, 'nslookup', 'outside.test']);
        expect(look.stdout).toContain('198.51.100.7');
        expect(t.upstream.queries).toContain('outside.test');
      });

      it('keeps a container on another network out: no route through, no name', async () => {
        expect(await stranger.get(`http://${webIp}/index.html`, 2)).toBeUndefined();
        const look = await stranger.run([BUSYBOX, 'nslookup', 'web1']);
        expect(look.stdout).not.toContain(webIp);
      });

      it('writes /etc/hosts, resolv.conf and hostname for the container', async () => {
        const hosts = (await client.run(['cat', '/etc/hosts'])).stdout;
        expect(hosts).toMatch(/^10\.1\.2\.3\tdb\.local$/m);
        expect(hosts).toMatch(new RegExp(`^${t.svc.gateway(netA)!.replace(/\./g, '\\.')}\\tgw$`, 'm'));
        expect(hosts).toMatch(/\tclienthost$/m);
        const resolv = (await client.run(['cat', '/etc/resolv.conf'])).stdout;
        expect(resolv).toContain(`nameserver ${t.svc.gateway(netA)}`);
        expect(resolv).toContain('search corp.test');
        expect(t.svc.files(client.id)?.hostname).toBe('clienthost');
      });

      it('connects and disconnects a running container; connecting twice is refused', async () => {
        t.containers.set(stranger.id, {
          id: stranger.id,
          name: stranger.name,
          running: true,
          netns: { path: stranger.ns.path },
        });
        await t.svc.connect(netA, stranger.name, { aliases: ['late'] });
        expect(await stranger.get('http://web1/index.html')).toBe('web on a user network\n');
        expect(await web.run([BUSYBOX, 'nslookup', 'late'])).toMatchObject({ code: 0 });
        const twice = await t.svc.connect(netA, stranger.name).catch((e: unknown) => e);
        expect(twice).toBeInstanceOf(Forbidden);
        expect((twice as Error).message).toMatch(/already exists in network/);
        expect((await stranger.run(['ip', '-o', 'link'])).stdout).toMatch(/eth1/);
        await t.svc.disconnect(netA, stranger.name);
        expect((await stranger.run(['ip', '-o', 'link'])).stdout).not.toMatch(/eth1/);
        expect(await stranger.get(`http://${webIp}/index.html`, 2)).toBeUndefined();
      });

      it('seals an internal network: no default route, no way out, no masquerade', async () => {
        const internal = await t.svc.create({ name: `int-${t.prefix}`, internal: true });
        const a = await container('int-a');
        const b = await container('int-b');
        await t.svc.attach(a.id, { path: a.ns.path }, request(a, internal.name));
        await t.svc.attach(b.id, { path: b.ns.path }, request(b, internal.name));
        dirs.push(await serveFile(b, 'inside\n'));
        expect(await a.get('http://int-b/index.html')).toBe('inside\n');
        expect((await a.run(['ip', 'route'])).stdout).not.toMatch(/default/);
        expect(await a.get(`http://${webIp}/index.html`, 2)).toBeUndefined();
        const table = await nftTable(t.prefix);
        expect(table).toContain(`iifname "${internal.bridge}" oifname != "${internal.bridge}" drop`);
        expect(table).not.toContain(`oifname != "${internal.bridge}" masquerade`);
        await t.svc.detach(a.id, { release: true });
        await t.svc.detach(b.id, { release: true });
        await t.svc.remove(internal.name);
      });

      it('refuses to remove a network in use and keeps it working', async () => {
        const err = await t.svc.remove(netA).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(Forbidden);
        expect((err as Error).message).toMatch(/has active endpoints/);
        expect(await client.get('http://www/index.html')).toBe('web on a user network\n');
      });
    });
  },
  ['ip', 'nft', 'curl'],
);

function udpEcho(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const dgram = require('node:dgram') as typeof import('node:dgram');
    const s = dgram.createSocket('udp4');
    let tries = 0;
    const send = (): void => {
      if (++tries > 30) {
        s.close();
        reject(new Error('no UDP echo'));
        return;
      }
      s.send(text, port, '127.0.0.1');
      timer = setTimeout(send, 200);
    };
    let timer = setTimeout(send, 0);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m.toString());
    });
  });
}
