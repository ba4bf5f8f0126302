/**
 * The /networks API through a real berthd and the real docker CLI: create (IPAM config, labels,
 * internal, options), ls with filters, inspect, rm, prune, connect/disconnect errors, and the
 * kernel side (bridge, nft table) appearing and going away with the networks and the daemon.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultPrefix } from '../../runtime-agent/src/network/config';
import { startBerthd, request as api, type BerthdHandle } from '../support/berthd';
import { docker } from '../support/docker-cli';
import { describeRoot } from '../support/env';
import { freeSubnet, hostLinks } from '../support/netns';
import { nftTable } from './network-helpers';

describeRoot(
  'network: /networks API with the docker CLI',
  () => {
    let d: BerthdHandle;
    let prefix: string;
    let subnet: string;
    let base: string;
    const run = (...args: string[]) => docker(d.host, args);

    beforeAll(async () => {
      d = await startBerthd();
      prefix = defaultPrefix(d.dataRoot);
      subnet = await freeSubnet();
      base = subnet.replace(/0\/24$/, '');
    });
    afterAll(async () => {
      if (d) {
        await d.stop();
        d.cleanup();
      }
    });

    it('lists the pre-defined networks', async () => {
      const r = await run('network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n').sort()).toEqual(['bridge bridge local', 'host host local', 'none null local']);
      const br = JSON.parse((await run('network', 'inspect', 'bridge')).stdout) as Array<Record<string, unknown>>;
      expect(br[0]!.Options).toMatchObject({ 'com.docker.network.bridge.name': `${prefix}0` });
    });

    it('creates a network with IPAM config, labels and options, and its bridge', async () => {
      const r = await run(
        'network',
        'create',
        '--subnet',
        subnet,
        '--gateway',
        `${base}254`,
        '--ip-range',
        `${base}128/25`,
        '--aux-address',
        `host=${base}200`,
        '--label',
        'team=net',
        '--label',
        'tier=web',
        '--opt',
        'com.docker.network.driver.mtu=1400',
        'apinet',
      );
      expect(r.code, r.stderr).toBe(0);
      const id = r.stdout.trim();
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      const [n] = JSON.parse((await run('network', 'inspect', 'apinet')).stdout) as Array<Record<string, unknown>>;
      expect(n).toMatchObject({
        Name: 'apinet',
        Id: id,
        Driver: 'bridge',
        Scope: 'local',
        Internal: false,
        Labels: { team: 'net', tier: 'web' },
        Options: { 'com.docker.network.driver.mtu': '1400' },
        IPAM: {
          Driver: 'default',
          Config: [
            {
              Subnet: subnet,
              Gateway: `${base}254`,
              IPRange: `${base}128/25`,
              AuxiliaryAddresses: { host: `${base}200` },
            },
          ],
        },
        Containers: {},
      });
      const bridge = `${prefix}-${id.slice(0, 8)}`;
      expect(await hostLinks(prefix)).toContain(bridge);
      expect(await nftTable(prefix)).toContain(`"${bridge}"`);
      const byPrefix = await run('network', 'inspect', '--format', '{{.Name}}', id.slice(0, 10));
      expect(byPrefix.stdout.trim()).toBe('apinet');
    });

    it('filters the list', async () => {
      expect((await run('network', 'create', '--internal', '--label', 'team=db', 'apidb')).code).toBe(0);
      const names = async (...f: string[]) =>
        (await run('network', 'ls', '--format', '{{.Name}}', ...f.flatMap((x) => ['--filter', x]))).stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .sort();
      expect(await names('name=api')).toEqual(['apidb', 'apinet']);
      expect(await names('label=team=db')).toEqual(['apidb']);
      expect(await names('label=tier')).toEqual(['apinet']);
      expect(await names('type=custom')).toEqual(['apidb', 'apinet']);
      expect(await names('driver=null')).toEqual(['none']);
      expect(await names('dangling=true')).toEqual(['apidb', 'apinet']);
      const bad = await run('network', 'ls', '--filter', 'colour=red');
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain("invalid filter 'colour'");
      const [db] = JSON.parse((await run('network', 'inspect', 'apidb')).stdout) as Array<{
        Internal: boolean;
        IPAM: { Config: Array<{ Subnet: string }> };
      }>;
      expect(db!.Internal).toBe(true);
      expect(db!.IPAM.Config[0]!.Subnet).toMatch(/\/(16|20)$/);
    });

    it('answers bad requests with Docker-style errors', async () => {
      const dup = await run('network', 'create', 'apinet');
      expect(dup.stderr).toContain('network with name apinet already exists');
      const overlap = await run('network', 'create', '--subnet', subnet.replace(/\/24$/, '/25'), 'apiover');
      expect(overlap.stderr).toContain('Pool overlaps with other one on this address space');
      const badSubnet = await run('network', 'create', '--subnet', '10.0.0.1/8', 'apibad');
      expect(badSubnet.stderr).toMatch(/host bits are set/);
      const driver = await run('network', 'create', '-d', 'overlay', 'apiov');
      expect(driver.stderr).toMatch(/plugin "overlay" not found/);
      const pre = await run('network', 'rm', 'bridge');
      expect(pre.stderr).toContain('bridge is a pre-defined network and cannot be removed');
      const none = await run('network', 'inspect', 'nosuchnet');
      expect(none.code).not.toBe(0);
      expect(none.stderr).toMatch(/nosuchnet/);
      const connect = await run('network', 'connect', 'apinet', 'nosuchcontainer');
      expect(connect.stderr).toContain('No such container: nosuchcontainer');
      const raw = await api(d.socket, 'POST', '/v1.43/networks/create', { Name: 'v6', EnableIPv6: true });
      expect(raw.status).toBe(501);
      const nobody = await api(d.socket, 'POST', '/v1.43/networks/apinet/connect', {});
      expect(nobody.status).toBe(400);
      const ls = await run('network', 'ls', '--format', '{{.Name}}');
      expect(ls.stdout).not.toMatch(/apiover|apibad|apiov|v6/);
    });

    it('keeps networks across a daemon restart and removes the kernel side when idle', async () => {
      const before = (await run('network', 'inspect', '--format', '{{.Id}}', 'apinet')).stdout.trim();
      await d.stop();
      expect(await hostLinks(prefix)).toEqual([]);
      expect(await nftTable(prefix)).toBe('');
      d = await startBerthd({ dir: d.dir });
      expect((await run('network', 'inspect', '--format', '{{.Id}}', 'apinet')).stdout.trim()).toBe(before);
      expect(await hostLinks(prefix)).toContain(`${prefix}-${before.slice(0, 8)}`);
    });

    it('removes and prunes networks with their bridges', async () => {
      const id = (await run('network', 'inspect', '--format', '{{.Id}}', 'apinet')).stdout.trim();
      expect((await run('network', 'create', '--label', 'keep=yes', 'apikeep')).code).toBe(0);
      const rm = await run('network', 'rm', 'apinet');
      expect(rm.code, rm.stderr).toBe(0);
      expect(await hostLinks(prefix)).not.toContain(`${prefix}-${id.slice(0, 8)}`);
      const pruned = await run('network', 'prune', '-f', '--filter', 'label!=keep');
      expect(pruned.code, pruned.stderr).toBe(0);
      expect(pruned.stdout).toContain('apidb');
      expect(pruned.stdout).not.toContain('apikeep');
      expect((await run('network', 'rm', 'apikeep')).code).toBe(0);
      expect(await hostLinks(prefix)).toEqual([]);
      const ls = await run('network', 'ls', '--format', '{{.Name}}');
      expect(ls.stdout.trim().split('\n').sort()).toEqual(['bridge', 'host', 'none']);
    });
  },
  ['ip', 'nft'],
);
