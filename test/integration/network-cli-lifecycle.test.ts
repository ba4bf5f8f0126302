/**
 * Network clean-up and restart through the docker CLI (issue 6): 50 run/rm cycles leave no
 * veth, rule, DNS name or address lease behind and reuse the address; after an agent kill -9 and
 * restart, running containers keep their addresses, names and published ports.
 */
import fs from 'node:fs';
import crypto from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { cleanAgent, startCliAgent, type CliAgent } from '../support/cli-agent';
import { describeIf } from '../support/env';
import { hostLinks } from '../support/netns';
import { freePort } from '../support/ports';
import { execFileP, hostGet, nftTable } from './network-helpers';

describeIf(
  'network clean-up and agent restart with the docker CLI',
  { root: true, commands: ['docker-registry', 'skopeo', 'curl', 'nft', '/usr/local/bin/docker'] },
  () => {
    let a: CliAgent;
    const prefix = 'l' + crypto.randomBytes(2).toString('hex');
    const sandboxes = () => fs.readdirSync(path.join(a.d.dataRoot, 'network', 'sandboxes'));
    const ipOf = (c: string, net: string) =>
      a.ok(['inspect', '--format', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, c]);

    beforeAll(async () => {
      a = await startCliAgent(inject('fixtureRegistry')!, { args: ['--network-prefix', prefix] });
    });
    afterAll(async () => {
      await a?.close();
    });

    it('leaves no veths, rules, names or leases after 50 run/rm cycles, and reuses the address', async () => {
      await a.ok(['network', 'create', 'cyc']);
      const bridge = `${prefix}-${(await a.ok(['network', 'inspect', '--format', '{{.Id}}', 'cyc'])).slice(0, 8)}`;
      await a.ok(['run', '-d', '--name', 'watcher', '--network', 'cyc', a.img, 'sleep', '300']);
      const port = await freePort();
      const ips = new Set<string>();
      for (let i = 0; i < 50; i++) {
        const out = await a.ok([
          'run',
          '--rm',
          '--network',
          'cyc',
          '--network-alias',
          'cycler',
          '-p',
          `127.0.0.1:${port}:80`,
          a.img,
          'sh',
          '-c',
          'ip -4 -o addr show eth0',
        ]);
        ips.add(/inet (\S+)\//.exec(out)?.[1] ?? out);
        if (i === 0) {
          expect(sandboxes()).toHaveLength(1); // --rm removed it: only the watcher's
        }
      }
      expect([...ips]).toHaveLength(1);
      // live: one veth for the watcher, the network's bridge
      const links = await hostLinks(prefix);
      expect(links.filter((l) => l.startsWith(`${prefix}v`))).toHaveLength(1);
      expect(links).toContain(bridge);
      expect(await nftTable(prefix)).not.toContain(`. ${port}`);
      expect(sandboxes()).toHaveLength(1);
      const look = await a.run(['exec', 'watcher', 'nslookup', 'cycler']);
      expect(look.stdout + look.stderr).toMatch(/NXDOMAIN|can't find/);
      expect(await hostGet(`http://127.0.0.1:${port}/`)).toBeUndefined();
      // a new container gets the address the cycles used
      const again = await a.ok(['run', '-d', '--name', 'again', '--network', 'cyc', a.img, 'sleep', '300']);
      expect(await ipOf(again, 'cyc')).toBe([...ips][0]);
      const gateway = await a.ok(['network', 'inspect', '--format', '{{(index .IPAM.Config 0).Gateway}}', 'cyc']);
      expect((await execFileP('ip', ['-4', '-o', 'addr'])).stdout).toContain(` ${gateway}/`);
      await a.ok(['rm', '-f', 'again', 'watcher']);
      await a.ok(['network', 'rm', 'cyc']);
      const after = await hostLinks(prefix);
      expect(after.filter((l) => l !== `${prefix}0`)).toEqual([]);
      expect(await nftTable(prefix)).not.toContain(bridge);
      expect(sandboxes()).toEqual([]);
      expect((await execFileP('ip', ['-4', '-o', 'addr'])).stdout).not.toContain(` ${gateway}/`);
    });

    it('keeps addresses, names and published ports of running containers through kill -9 and restart', async () => {
      await a.ok(['network', 'create', 'keep']);
      const port = await freePort();
      await a.ok([
        'run',
        '-d',
        '--name',
        'web',
        '--network',
        'keep',
        '--network-alias',
        'www',
        '-p',
        `127.0.0.1:${port}:80`,
        a.img,
        'sh',
        '-c',
        'mkdir -p /www && echo survived > /www/index.html && exec httpd -f -p 80 -h /www',
      ]);
      await a.ok(['run', '-d', '--name', 'peer', '--network', 'keep', a.img, 'sleep', '300']);
      const webIp = await ipOf('web', 'keep');
      const peerIp = await ipOf('peer', 'keep');
      let body: string | undefined;
      for (let i = 0; i < 40 && body === undefined; i++) {
        body = await hostGet(`http://127.0.0.1:${port}/index.html`);
        if (body === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      expect(body).toBe('survived\n');

      const oldPid = a.d.pid;
      await a.restartAfterKill9();
      expect(a.d.pid).not.toBe(oldPid);

      expect(await a.ok(['inspect', '--format', '{{.State.Running}}', 'web', 'peer'])).toBe('true\ntrue');
      expect(await ipOf('web', 'keep')).toBe(webIp);
      expect(await ipOf('peer', 'keep')).toBe(peerIp);
      expect(await a.ok(['port', 'web', '80/tcp'])).toBe(`127.0.0.1:${port}`);
      expect(await hostGet(`http://127.0.0.1:${port}/index.html`)).toBe('survived\n');
      const byName = await a.run(['exec', 'peer', 'wget', '-q', '-O', '-', 'http://www/index.html']);
      expect(byName.stdout).toBe('survived\n');
      // the pool knows the addresses in use: a newcomer gets another one
      const fresh = await a.ok(['run', '-d', '--name', 'fresh', '--network', 'keep', a.img, 'sleep', '300']);
      expect([webIp, peerIp]).not.toContain(await ipOf(fresh, 'keep'));
      await a.ok(['rm', '-f', 'web', 'peer', 'fresh']);
      await a.ok(['network', 'rm', 'keep']);
      expect(await hostGet(`http://127.0.0.1:${port}/index.html`)).toBeUndefined();
    });

    it('a network removed under a stopped container fails its start, as dockerd, until disconnected', async () => {
      await a.ok(['network', 'create', 'gone']);
      await a.ok(['network', 'create', 'stays']);
      await a.ok(['create', '--name', 'orphan', '--network', 'stays', a.img, 'sleep', '300']);
      await a.ok(['network', 'connect', 'gone', 'orphan']);
      await a.ok(['start', 'orphan']);
      // a running endpoint blocks the removal
      const busy = await a.run(['network', 'rm', 'gone']);
      expect(busy.code).not.toBe(0);
      expect(busy.stderr).toMatch(/has active endpoints/);
      await a.ok(['stop', '-t', '0', 'orphan']);
      await a.ok(['network', 'rm', 'gone']);
      const refused = await a.run(['start', 'orphan']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/network gone not found/);
      // the process never ran: dockerd's exit code for a start that failed before it
      expect(await a.ok(['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}}', 'orphan'])).toBe('false 128');
      // inspect still lists it; disconnecting by its name lets the container start again
      const nets = await a.ok([
        'inspect',
        '--format',
        '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}',
        'orphan',
      ]);
      expect(nets.split(' ').filter(Boolean).sort()).toEqual(['gone', 'stays']);
      await a.ok(['network', 'disconnect', 'gone', 'orphan']);
      await a.ok(['start', 'orphan']);
      expect(await ipOf('orphan', 'stays')).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      const ifaces = await a.ok(['exec', 'orphan', 'ls', '/sys/class/net']);
      expect(ifaces.split(/\s+/).sort()).toEqual(['eth0', 'lo']);
      await a.ok(['rm', '-f', 'orphan']);
      await a.ok(['network', 'rm', 'stays']);
    });

    it('removes the default bridge and its firewall table when an idle agent stops', async () => {
      await a.ok(['run', '--rm', a.img, 'true']); // the default bridge is up
      expect(await hostLinks(prefix)).toContain(`${prefix}0`);
      expect(await nftTable(prefix)).not.toBe('');
      await cleanAgent(a.d);
      expect(await a.d.stop()).toBe(0);
      expect(await hostLinks(prefix)).toEqual([]);
      expect(await nftTable(prefix)).toBe('');
    });
  },
);
