/**
 * The network module over time: 50 start/stop cycles leave nothing behind and reuse addresses;
 * an agent restart (a new instance on the same state after a kill) keeps running containers'
 * addresses, names and published ports, repairs the firewall and removes what removed
 * containers left.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conflict } from '../../runtime-agent/src/errdefs';
import { parsePortSpec } from '../../runtime-agent/src/network/ports/spec';
import { describeRoot } from '../support/env';
import { BUSYBOX, freeSubnet, hostLinks } from '../support/netns';
import { freePort } from '../support/ports';
import {
  execFileP,
  fakeContainer,
  hostGet,
  nftTable,
  request,
  serveFile,
  testNetwork,
  type FakeContainer,
  type TestNet,
} from './network-helpers';

async function portFree(port: number): Promise<boolean> {
  const s = net.createServer();
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

describeRoot(
  'network: lifecycle, restart and clean-up',
  () => {
    const made: FakeContainer[] = [];
    const dirs: string[] = [];
    afterAll(async () => {
      for (const c of made) await c.ns.remove();
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    describe('50 start/stop cycles', () => {
      let t: TestNet;
      beforeAll(async () => {
        t = await testNetwork();
      });
      afterAll(async () => t?.cleanup());

      it('leaves no veths, rules, DNS names or records, and reuses addresses', async () => {
        const user = await t.svc.create({
          name: `cyc-${t.prefix}`,
          ipam: { config: [{ subnet: await freeSubnet() }] },
        });
        const a = await fakeContainer(t, 'cyc-a');
        const b = await fakeContainer(t, 'cyc-b');
        made.push(a, b);
        const ipsA = new Set<string>();
        const ipsB = new Set<string>();
        const fixed = await freePort();
        for (let i = 0; i < 50; i++) {
          const ra = await t.svc.attach(
            a.id,
            { path: a.ns.path },
            request(a, user.name, {
              endpoints: [{ network: user.name, aliases: [`alias${i}`] }],
              ports: [...parsePortSpec(`127.0.0.1:${fixed}:80`), ...parsePortSpec('127.0.0.1::81/udp')],
            }),
          );
          const rb = await t.svc.attach(
            b.id,
            { path: b.ns.path },
            request(b, 'bridge', { ports: parsePortSpec('127.0.0.1::80') }),
          );
          ipsA.add(ra.settings.Networks[user.name]!.IPAddress);
          ipsB.add(rb.settings.IPAddress);
          expect(t.svc.ctx.names.count(user.id)).toBeGreaterThan(0);
          if (i === 0) expect(await nftTable(t.prefix)).toContain(`127.0.0.1 . tcp . ${fixed}`);
          await t.svc.detach(a.id, { release: true });
          await t.svc.detach(b.id, { release: true });
        }
        expect([...ipsA]).toHaveLength(1);
        expect([...ipsB]).toHaveLength(1);
        const links = await hostLinks(t.prefix);
        expect(links.sort()).toEqual([t.config.bridgeName, user.bridge].sort());
        const table = await nftTable(t.prefix);
        expect(table).not.toMatch(/ \. (tcp|udp) \. \d+ :/);
        expect(t.svc.ctx.names.count()).toBe(0);
        expect(fs.readdirSync(path.join(t.config.stateDir, 'sandboxes'))).toEqual([]);
        expect(t.svc.ctx.ports.size).toBe(0);
        expect(await portFree(fixed)).toBe(true);
        expect((await a.run(['ip', '-o', 'link'])).stdout).not.toMatch(/eth0/);

        await t.svc.remove(user.name);
        expect(await hostLinks(t.prefix)).toEqual([t.config.bridgeName]);
        expect(await nftTable(t.prefix)).not.toContain(user.bridge);
        const addrs = (await execFileP('ip', ['-4', '-o', 'addr'])).stdout;
        expect(addrs).not.toContain(user.ipam.config[0]!.gateway + '/');
        await t.svc.shutdown();
        expect(await hostLinks(t.prefix)).toEqual([]);
        expect(await nftTable(t.prefix)).toBe('');
      });
    });

    describe('default bridge subnet', () => {
      let t: TestNet;
      beforeAll(async () => {
        t = await testNetwork({ bridgeSubnet: undefined });
      });
      afterAll(async () => t?.cleanup());

      it('moves a chosen, still unused subnet when a route appeared for it meanwhile', async () => {
        const chosen = t.svc.find('bridge').ipam.config[0]!.subnet;
        // Someone takes that subnet before the first container (our own dummy link, our own route).
        const dummy = `${t.prefix}dummy`;
        await execFileP('ip', ['link', 'add', dummy, 'type', 'bridge']);
        await execFileP('ip', ['addr', 'add', chosen.replace(/0\/(\d+)$/, '1/$1'), 'dev', dummy]);
        await execFileP('ip', ['link', 'set', dummy, 'up']);
        const c = await fakeContainer(t, 'mover');
        made.push(c);
        const r = await t.svc.attach(c.id, { path: c.ns.path }, request(c, 'bridge'));
        const moved = t.svc.find('bridge').ipam.config[0]!.subnet;
        expect(moved).not.toBe(chosen);
        expect(r.settings.Gateway).toBe(t.svc.gateway('bridge'));
        expect((await c.run([BUSYBOX, 'ping', '-c', '1', '-W', '2', r.settings.Gateway])).code).toBe(0);
        await t.svc.detach(c.id, { release: true });
        await execFileP('ip', ['link', 'del', dummy]);
      });
    });

    describe('agent restart', () => {
      let t: TestNet;
      beforeAll(async () => {
        t = await testNetwork();
      });
      afterAll(async () => t?.cleanup());

      it('keeps addresses, names and published ports; removes what removed containers left', async () => {
        const user = await t.svc.create({ name: `rs-${t.prefix}` });
        const web = await fakeContainer(t, 'rs-web');
        const client = await fakeContainer(t, 'rs-client');
        const gone = await fakeContainer(t, 'rs-gone');
        made.push(web, client, gone);
        const port = await freePort();
        const gonePort = await freePort();
        const rw = await t.svc.attach(
          web.id,
          { path: web.ns.path },
          request(web, user.name, {
            endpoints: [{ network: user.name, aliases: ['www'] }],
            ports: parsePortSpec(`127.0.0.1:${port}:80`),
          }),
        );
        const rc = await t.svc.attach(client.id, { path: client.ns.path }, request(client, user.name));
        const rg = await t.svc.attach(
          gone.id,
          { path: gone.ns.path },
          request(gone, 'bridge', { ports: parsePortSpec(`127.0.0.1:${gonePort}:80`) }),
        );
        const goneVeth = t.svc.ctx.sandboxes.get(gone.id)!.endpoints[0]!.hostIf;
        dirs.push(await serveFile(web, 'still here\n'));
        expect(await hostGet(`http://127.0.0.1:${port}/index.html`)).toBe('still here\n');

        // kill -9: sockets vanish, kernel state and files stay.
        await t.svc.abandon();
        // While the agent is away, DNAT keeps serving the published port.
        expect(await hostGet(`http://127.0.0.1:${port}/index.html`)).toBe('still here\n');
        // Meanwhile: one container was removed, someone flushed Berth's table, a stray veth appeared.
        t.containers.delete(gone.id);
        await execFileP('nft', ['delete', 'table', 'ip', t.prefix]);
        const stray = `${t.prefix}vdeadbeef`;
        await execFileP('ip', ['link', 'add', stray, 'type', 'veth', 'peer', 'name', `${t.prefix}peer`]);

        const svc = await t.restart();
        const ws = svc.settings(web.id)!;
        expect(ws.Networks[user.name]!.IPAddress).toBe(rw.settings.Networks[user.name]!.IPAddress);
        expect(svc.settings(client.id)!.Networks[user.name]!.IPAddress).toBe(
          rc.settings.Networks[user.name]!.IPAddress,
        );
        expect(ws.Ports['80/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(port) }]);
        expect(await hostGet(`http://127.0.0.1:${port}/index.html`)).toBe('still here\n');
        expect(await client.get('http://www/index.html')).toBe('still here\n');
        expect(await client.get('http://rs-web/index.html')).toBe('still here\n');
        // repaired table, gone container's rules, veth, port and address released, stray removed
        const table = await nftTable(t.prefix);
        expect(table).toContain(`127.0.0.1 . tcp . ${port}`);
        expect(table).not.toContain(`. ${gonePort} :`);
        const links = await hostLinks(t.prefix);
        expect(links).not.toContain(goneVeth);
        expect(links).not.toContain(stray);
        expect(svc.settings(gone.id)).toBeUndefined();
        expect(await portFree(gonePort)).toBe(true);
        // the port is held again: a second publisher is refused
        const again = await fakeContainer(t, 'rs-again');
        made.push(again);
        const err = (await svc
          .attach(
            again.id,
            { path: again.ns.path },
            request(again, 'bridge', { ports: parsePortSpec(`127.0.0.1:${port}:80`) }),
          )
          .catch((e: unknown) => e)) as Error;
        expect(err).toBeInstanceOf(Conflict);
        expect(err.message).toContain(`127.0.0.1:${port}`);
        // addresses stay owned: the next container on the default bridge reuses the gone one's
        const rn = await svc.attach(again.id, { path: again.ns.path }, request(again, 'bridge'));
        expect(rn.settings.IPAddress).toBe(rg.settings.IPAddress);
        await svc.detach(again.id, { release: true });
        await svc.detach(web.id, { release: true });
        await svc.detach(client.id, { release: true });
        await svc.remove(user.name);
      });
    });
  },
  ['ip', 'nft', 'curl'],
);
