/**
 * Bad input and faults leave clear errors and nothing half-configured: firewall tool missing,
 * overlapping subnets, a subnet clashing with a host route, invalid requests and port specs,
 * static addresses; and the iptables backends (nf_tables and legacy flavours) as the fallback
 * when nft is not installed, without touching the host's own rules.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conflict, FailedPrecondition, Forbidden, InvalidArgument } from '../../runtime-agent/src/errdefs';
import { parsePortSpec } from '../../runtime-agent/src/network/ports/spec';
import { describeRoot, hasCommand } from '../support/env';
import { freeSubnet, hostLinks } from '../support/netns';
import { freePort } from '../support/ports';
import {
  execFileP,
  fakeContainer,
  hostGet,
  request,
  serveFile,
  testNetwork,
  type FakeContainer,
  type TestNet,
} from './network-helpers';

describeRoot(
  'network: bad input and faults',
  () => {
    const made: FakeContainer[] = [];
    const dirs: string[] = [];
    afterAll(async () => {
      for (const c of made) await c.ns.remove();
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    describe('firewall tool missing', () => {
      let t: TestNet;
      let empty: string;
      beforeAll(async () => {
        empty = fs.mkdtempSync(path.join(os.tmpdir(), 'no-tools-'));
        t = await testNetwork({ toolDirs: [empty] });
      });
      afterAll(async () => {
        await t?.cleanup();
        fs.rmSync(empty, { recursive: true, force: true });
      });

      it('refuses network create and container attach clearly, creating nothing', async () => {
        const err = (await t.svc.create({ name: `nofw-${t.prefix}` }).catch((e: unknown) => e)) as Error;
        expect(err).toBeInstanceOf(FailedPrecondition);
        expect(err.message).toMatch(/no firewall tool found: .*nftables .*iptables/);
        expect(
          t.svc
            .networks()
            .map((n) => n.name)
            .sort(),
        ).toEqual(['bridge', 'host', 'none']);
        const c = await fakeContainer(t, 'nofw');
        made.push(c);
        const err2 = await t.svc
          .attach(c.id, { path: c.ns.path }, request(c, 'bridge'))
          .catch((e: unknown) => e as Error);
        expect(err2).toBeInstanceOf(FailedPrecondition);
        expect(await hostLinks(t.prefix)).toEqual([]);
        expect(t.svc.settings(c.id)).toBeUndefined();
        expect(t.svc.ctx.registry.pool(t.svc.find('bridge').id).size).toBe(0);
        // host and none modes need no firewall
        const files = await t.svc.attach(c.id, { path: c.ns.path }, request(c, 'none'));
        expect(files.files.hosts).toContain('127.0.0.1\tlocalhost');
        expect((await c.run(['ip', '-o', 'link', 'show', 'lo'])).stdout).toMatch(/UP/);
        expect(t.svc.settings(c.id)!.Networks).toHaveProperty('none');
        await t.svc.detach(c.id, { release: true });
        const host = await t.svc.attach(c.id, undefined, request(c, 'host', { extraHosts: ['extra.test:10.9.9.9'] }));
        expect(host.files.hosts).toBe(
          fs.readFileSync('/etc/hosts', 'utf8').replace(/\n?$/, '\n') + '10.9.9.9\textra.test\n',
        );
        expect(host.files.resolvConf).toBe(fs.readFileSync('/etc/resolv.conf', 'utf8'));
        expect(t.svc.settings(c.id)!.Networks).toHaveProperty('host');
        await t.svc.detach(c.id, { release: true });
      });
    });

    describe('subnets, addresses and requests', () => {
      let t: TestNet;
      beforeAll(async () => {
        t = await testNetwork();
      });
      afterAll(async () => t?.cleanup());

      it('refuses overlapping subnets and subnets clashing with a host route', async () => {
        const subnet = await freeSubnet();
        const a = await t.svc.create({ name: `ov-${t.prefix}`, ipam: { config: [{ subnet }] } });
        const links = await hostLinks(t.prefix);
        const wider = subnet.replace(/\.\d+\.0\/24$/, '.0.0/16');
        const err = (await t.svc
          .create({ name: `ov2-${t.prefix}`, ipam: { config: [{ subnet: wider }] } })
          .catch((e: unknown) => e)) as Error;
        expect(err).toBeInstanceOf(Forbidden);
        expect(err.message).toContain(`overlaps network "${a.name}"`);
        // a route the host already has (read, never changed)
        const routes = (await execFileP('ip', ['-4', 'route', 'show', 'table', 'main'])).stdout;
        const hostRoute = routes
          .split('\n')
          .map((l) => /^(\d+\.\d+\.\d+\.\d+\/\d+) dev (\S+)/.exec(l))
          .find((m) => m && !m[2]!.startsWith(t.prefix));
        if (hostRoute) {
          const err2 = (await t.svc
            .create({ name: `rt-${t.prefix}`, ipam: { config: [{ subnet: hostRoute[1]! }] } })
            .catch((e: unknown) => e)) as Error;
          expect(err2).toBeInstanceOf(Conflict);
          expect(err2.message).toContain(`clashes with the host route ${hostRoute[1]} dev ${hostRoute[2]}`);
        }
        expect(await hostLinks(t.prefix)).toEqual(links);
        expect(
          t.svc
            .networks()
            .filter((n) => !n.predefined)
            .map((n) => n.name),
        ).toEqual([a.name]);
        await t.svc.remove(a.name);
      });

      it('refuses invalid port specs and requests without leaving anything', async () => {
        expect(() => parsePortSpec('80:abc')).toThrow(InvalidArgument);
        expect(() => parsePortSpec('99999:80')).toThrow(/out of range/);
        const c = await fakeContainer(t, 'bad');
        made.push(c);
        const bad = [
          request(c, 'bridge', { extraHosts: ['nocolon'] }),
          request(c, 'bridge', { endpoints: [{ network: 'bridge', ipv4Address: '10.0.0.5' }] }),
          request(c, 'bridge', { endpoints: [{ network: 'bridge', macAddress: 'zz:zz' }] }),
          request(c, 'no-such-network'),
        ];
        for (const r of bad) {
          const err = await t.svc.attach(c.id, { path: c.ns.path }, r).catch((e: unknown) => e as Error);
          expect(err, JSON.stringify(r)).toBeInstanceOf(Error);
          expect(['InvalidArgument', 'NotFound']).toContain((err as { kind?: string }).kind);
          expect(() => t.svc.validate(r)).toThrow();
        }
        expect(await hostLinks(t.prefix)).toEqual([]);
        expect(t.svc.settings(c.id)).toBeUndefined();
        expect((await c.run(['ip', '-o', 'link'])).stdout).not.toMatch(/eth0/);
      });

      it('assigns static addresses on user networks and refuses a taken one', async () => {
        const n = await t.svc
          .create({ name: `st-${t.prefix}`, ipam: { config: [{ subnet: '10.251.3.0/24' }] } })
          .catch(async () =>
            t.svc.create({ name: `st-${t.prefix}`, ipam: { config: [{ subnet: await freeSubnet() }] } }),
          );
        const sub = n.ipam.config[0]!.subnet.replace(/0\/24$/, '');
        const a = await fakeContainer(t, 'st-a');
        const b = await fakeContainer(t, 'st-b');
        made.push(a, b);
        const ra = await t.svc.attach(
          a.id,
          { path: a.ns.path },
          request(a, n.name, {
            endpoints: [{ network: n.name, ipv4Address: `${sub}77`, macAddress: '02:00:00:00:00:77' }],
          }),
        );
        expect(ra.settings.Networks[n.name]).toMatchObject({ IPAddress: `${sub}77`, MacAddress: '02:00:00:00:00:77' });
        expect((await a.run(['ip', '-o', 'addr', 'show', 'eth0'])).stdout).toContain(`${sub}77/24`);
        const err = (await t.svc
          .attach(
            b.id,
            { path: b.ns.path },
            request(b, n.name, { endpoints: [{ network: n.name, ipv4Address: `${sub}77` }] }),
          )
          .catch((e: unknown) => e)) as Error;
        expect(err).toBeInstanceOf(Conflict);
        expect(err.message).toMatch(/already in use/);
        await t.svc.detach(a.id, { release: true });
        await t.svc.remove(n.name);
        expect(await hostLinks(t.prefix)).toEqual([]);
      });
    });

    for (const flavour of ['nft', 'legacy'] as const) {
      describe(`iptables backend (${flavour})`, () => {
        let t: TestNet;
        let tools: string;
        const save = `iptables-${flavour}-save`;
        // The host's own rules: every rule line that is not Berth's (jumps into Berth chains included).
        const hostRules = async (): Promise<string> =>
          (await execFileP(save, [])).stdout
            .split('\n')
            .filter((l) => l.startsWith('-A ') && !l.includes(t.prefix.toUpperCase()))
            .join('\n');
        let before = '';
        let nftTablesBefore = '';
        beforeAll(async () => {
          // A tool directory where `iptables` is the flavour under test and nft is absent.
          tools = fs.mkdtempSync(path.join(os.tmpdir(), 'ipt-tools-'));
          for (const [name, target] of [
            ['iptables', `iptables-${flavour}`],
            [`iptables-${flavour}-save`, `iptables-${flavour}-save`],
            [`iptables-${flavour}-restore`, `iptables-${flavour}-restore`],
          ])
            fs.symlinkSync(`/usr/sbin/${target}`, path.join(tools, name));
          nftTablesBefore = (await execFileP('nft', ['list', 'tables'])).stdout;
          t = await testNetwork({ firewall: 'auto', toolDirs: [tools] });
          before = await hostRules();
        });
        afterAll(async () => {
          await t?.cleanup();
          fs.rmSync(tools, { recursive: true, force: true });
          // iptables-nft creates the standard `ip raw`/`ip nat`/`ip filter` tables when absent; drop them
          // again when they were absent before and nothing else put rules in them.
          if (flavour === 'nft') {
            for (const table of ['raw', 'nat', 'filter']) {
              if (nftTablesBefore.includes(`table ip ${table}\n`)) continue;
              const list = await execFileP('nft', ['-j', 'list', 'table', 'ip', table]).catch(() => undefined);
              const items = list
                ? (JSON.parse(list.stdout) as { nftables: Array<Record<string, unknown>> }).nftables
                : [];
              if (list && !items.some((i) => 'rule' in i))
                await execFileP('nft', ['delete', 'table', 'ip', table]).catch(() => undefined);
            }
          }
        });

        it('publishes ports and isolates networks with Berth chains only', async () => {
          const web = await fakeContainer(t, 'ipt-web');
          const other = await fakeContainer(t, 'ipt-other');
          made.push(web, other);
          const port = await freePort();
          const r = await t.svc.attach(
            web.id,
            { path: web.ns.path },
            request(web, 'bridge', { ports: parsePortSpec(`${port}:80`) }),
          );
          await t.svc.attach(other.id, { path: other.ns.path }, request(other, 'bridge'));
          dirs.push(await serveFile(web, `via iptables-${flavour}\n`));
          expect(t.svc.ctx.firewall.kind).toBe(`iptables-${flavour}`);
          expect(await hostGet(`http://127.0.0.1:${port}/index.html`)).toBe(`via iptables-${flavour}\n`);
          expect(await other.get(`http://${r.settings.Gateway}:${port}/index.html`)).toBe(`via iptables-${flavour}\n`);
          const rules = await t.svc.firewallRules();
          expect(rules).toContain(`${t.prefix.toUpperCase()}-PORTS`);
          expect(rules).toContain(`--dport ${port} -j DNAT --to-destination ${r.settings.IPAddress}:80`);
          expect(await hostRules()).toBe(before);
          await t.svc.detach(web.id, { release: true });
          expect(await t.svc.firewallRules()).not.toContain(`--dport ${port} `);
          await t.svc.detach(other.id, { release: true });
          await t.svc.shutdown();
          const after = (await execFileP(save, [])).stdout;
          expect(after).not.toContain(t.prefix.toUpperCase());
        });
      });
    }
  },
  ['ip', 'nft', 'curl', 'iptables-nft', 'iptables-legacy'],
);

void hasCommand;
