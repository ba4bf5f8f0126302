/**
 * Networking through the docker CLI (issue 6): published ports (-p, -P, a taken port), user
 * networks with names and aliases, isolation between networks, --network none|host|container:,
 * live connect/disconnect, and the network events `docker events` shows.
 */
import fs from 'node:fs';
import crypto from 'node:crypto';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startCliAgent, type CliAgent } from '../support/cli-agent';
import { docker } from '../support/docker-cli';
import { describeIf } from '../support/env';
import { freePort } from '../support/ports';
import { hostGet } from './network-helpers';

/** The body of http://127.0.0.1:<port><p> once it answers (a fresh httpd needs a moment). */
async function hostGetRetry(url: string): Promise<string | undefined> {
  for (let i = 0; i < 40; i++) {
    const got = await hostGet(url);
    if (got !== undefined) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

const SERVE = (text: string) => `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`;

describeIf(
  'networking with the docker CLI',
  { root: true, commands: ['docker-registry', 'skopeo', 'curl', '/usr/local/bin/docker'] },
  () => {
    let a: CliAgent;
    const prefix = 'c' + crypto.randomBytes(2).toString('hex');
    /** wget from inside a container, with a hard time limit; the body or undefined. */
    const wgetIn = async (container: string, url: string): Promise<string | undefined> => {
      const r = await a.run(['exec', container, 'timeout', '-s', 'KILL', '3', 'wget', '-q', '-O', '-', url]);
      return r.code === 0 ? r.stdout : undefined;
    };
    const links = async (container: string) =>
      (await a.ok(['exec', container, 'ls', '/sys/class/net'])).split(/\s+/).sort();

    beforeAll(async () => {
      a = await startCliAgent(inject('fixtureRegistry')!, { args: ['--network-prefix', prefix] });
    });
    afterAll(async () => {
      await a?.close();
    });

    it('publishes 127.0.0.1:PORT:80 to the host and a port on all addresses to other containers', async () => {
      const port = await freePort();
      const open = await freePort();
      await a.ok([
        'run',
        '-d',
        '--name',
        'web',
        '-p',
        `127.0.0.1:${port}:80`,
        '-p',
        `${open}:80`,
        a.img,
        'sh',
        '-c',
        SERVE('hello-web'),
      ]);
      expect(await hostGetRetry(`http://127.0.0.1:${port}/index.html`)).toBe('hello-web\n');
      expect(await a.ok(['port', 'web', '80/tcp'])).toContain(`127.0.0.1:${port}`);
      const gw = await a.ok(['network', 'inspect', 'bridge', '--format', '{{(index .IPAM.Config 0).Gateway}}']);
      await a.ok(['run', '-d', '--name', 'client', a.img, 'sleep', '300']);
      expect(await wgetIn('client', `http://${gw}:${open}/index.html`)).toBe('hello-web\n');
      // bound to 127.0.0.1 only: not reachable on the gateway address
      expect(await wgetIn('client', `http://${gw}:${port}/index.html`)).toBeUndefined();

      const taken = await a.run(['run', '-d', '--name', 'web2', '-p', `127.0.0.1:${port}:80`, a.img, 'sleep', '300']);
      expect(taken.code).toBe(125);
      expect(taken.stderr).toContain(`Bind for 127.0.0.1:${port} failed: port is already allocated`);
      expect(await a.ok(['inspect', '--format', '{{.State.Running}}', 'web2'])).toBe('false');
      await a.ok(['rm', 'web2']);
      // the first container still serves
      expect(await hostGet(`http://127.0.0.1:${port}/index.html`)).toBe('hello-web\n');
    });

    it('publishes exposed ports on random host ports with -P', async () => {
      await a.ok(['run', '-d', '--name', 'puball', '--expose', '80', '-P', a.img, 'sh', '-c', SERVE('random-port')]);
      const mapped = await a.ok(['port', 'puball', '80']);
      const port = Number(/:(\d+)$/m.exec(mapped)?.[1]);
      expect(port).toBeGreaterThan(1023);
      expect(await hostGetRetry(`http://127.0.0.1:${port}/index.html`)).toBe('random-port\n');
      await a.ok(['rm', '-f', 'puball']);
    });

    it('resolves names and aliases on a user network and keeps other networks out', async () => {
      await a.ok(['network', 'create', 'front']);
      await a.ok(['network', 'create', 'back']);
      await a.ok([
        'run',
        '-d',
        '--name',
        'site',
        '--network',
        'front',
        '--network-alias',
        'www',
        a.img,
        'sh',
        '-c',
        SERVE('on-front'),
      ]);
      await a.ok(['run', '-d', '--name', 'peer', '--network', 'front', a.img, 'sleep', '300']);
      await a.ok(['run', '-d', '--name', 'outsider', '--network', 'back', a.img, 'sleep', '300']);
      let body: string | undefined;
      for (let i = 0; i < 20 && body === undefined; i++) body = await wgetIn('peer', 'http://site/index.html');
      expect(body).toBe('on-front\n');
      expect(await wgetIn('peer', 'http://www/index.html')).toBe('on-front\n');
      const siteIp = await a.ok(['inspect', '--format', '{{.NetworkSettings.Networks.front.IPAddress}}', 'site']);
      expect(siteIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(await wgetIn('outsider', `http://${siteIp}/index.html`)).toBeUndefined();
      const look = await a.run(['exec', 'outsider', 'nslookup', 'site']);
      expect(look.stdout).not.toContain(siteIp);
    });

    it('connects and disconnects a running container live', async () => {
      await a.ok(['run', '-d', '--name', 'roamer', a.img, 'sleep', '300']);
      expect(await links('roamer')).toEqual(['eth0', 'lo']);
      await a.ok(['network', 'connect', '--alias', 'late', 'front', 'roamer']);
      expect(await links('roamer')).toEqual(['eth0', 'eth1', 'lo']);
      expect(await wgetIn('roamer', 'http://site/index.html')).toBe('on-front\n');
      expect((await a.run(['exec', 'peer', 'nslookup', 'late'])).code).toBe(0);
      const twice = await a.run(['network', 'connect', 'front', 'roamer']);
      expect(twice.code).toBe(1);
      expect(twice.stderr).toMatch(/already exists in network front/);
      await a.ok(['network', 'disconnect', 'front', 'roamer']);
      expect(await links('roamer')).toEqual(['eth0', 'lo']);
      expect(await wgetIn('roamer', 'http://site/index.html')).toBeUndefined();
      expect(await a.ok(['inspect', '--format', '{{len .NetworkSettings.Networks}}', 'roamer'])).toBe('1');
    });

    it('gives --network none only lo, --network host the host interfaces, container: the other stack', async () => {
      expect(await a.ok(['run', '--rm', '--network', 'none', a.img, 'ls', '/sys/class/net'])).toBe('lo');
      const before = new Set(fs.readdirSync('/sys/class/net'));
      const inHost = (await a.ok(['run', '--rm', '--network', 'host', a.img, 'ls', '/sys/class/net'])).split(/\s+/);
      const stable = fs.readdirSync('/sys/class/net').filter((l) => before.has(l));
      expect(stable.length).toBeGreaterThan(1);
      expect(inHost).toEqual(expect.arrayContaining(stable));
      const mac = await a.ok(['inspect', '--format', '{{.NetworkSettings.Networks.front.MacAddress}}', 'site']);
      const shared = await a.ok([
        'run',
        '--rm',
        '--network',
        'container:site',
        a.img,
        'sh',
        '-c',
        'cat /sys/class/net/eth0/address; wget -q -O - http://127.0.0.1/index.html',
      ]);
      expect(shared.split('\n')).toEqual([mac, 'on-front']);
    });

    it('reports network create, connect, disconnect and destroy in docker events', async () => {
      const events = docker(
        a.d.host,
        [
          'events',
          '--filter',
          'type=network',
          '--format',
          '{{.Action}} {{.Actor.Attributes.name}} {{index .Actor.Attributes "container"}}',
        ],
        { timeoutMs: 6000 },
      );
      await new Promise((r) => setTimeout(r, 400));
      const since = String(Math.floor(Date.now() / 1000) - 1);
      const netId = await a.ok(['network', 'create', 'evnet']);
      const id = await a.ok(['run', '-d', '--network', 'evnet', a.img, 'sleep', '300']);
      await a.ok(['network', 'connect', 'bridge', id]);
      await a.ok(['network', 'disconnect', 'bridge', id]);
      await a.ok(['rm', '-f', id]);
      await a.ok(['network', 'rm', 'evnet']);
      const lines = (await events).stdout.split('\n').filter(Boolean);
      expect(lines).toEqual([
        'create evnet ',
        `connect evnet ${id}`,
        `connect bridge ${id}`,
        `disconnect bridge ${id}`,
        `disconnect evnet ${id}`,
        'destroy evnet ',
      ]);
      // replayed from the history with a network filter, with the network's id as the actor
      const replay = await a.ok([
        'events',
        '--since',
        since,
        '--until',
        String(Math.ceil(Date.now() / 1000) + 1),
        '--filter',
        'network=evnet',
        '--format',
        '{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.type}}',
      ]);
      expect(replay.split('\n')[0]).toBe(`network create ${netId} bridge`);
      expect(replay.split('\n').at(-1)).toBe(`network destroy ${netId} bridge`);
    });
  },
);
