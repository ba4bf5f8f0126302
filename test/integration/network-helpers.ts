/**
 * Shared set-up of the network integration suites: a NetworkService with names unique to the
 * test (prefix, bridge, table, subnet), a fake upstream resolver on loopback, and stand-in
 * containers (network namespaces) attached through the module's hook.
 */
import dgram from 'node:dgram';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createLogger } from '../../runtime-agent/src/daemon/logger';
import type { ContainerRef, ContainerSource } from '../../runtime-agent/src/network/containers';
import type { NetworkConfig } from '../../runtime-agent/src/network/context';
import { RCODE_NXDOMAIN, TYPE_A, buildResponse, parseQuery } from '../../runtime-agent/src/network/dns/message';
import { NetworkService } from '../../runtime-agent/src/network/service';
import type { ContainerNetworkRequest } from '../../runtime-agent/src/network/types';
import { BUSYBOX, createNetns, freeSubnet, hostLinks, type TestNetns } from '../support/netns';

export const execFileP = promisify(execFile);

export interface FakeUpstream {
  address: string;
  queries: string[];
  close(): Promise<void>;
}

/** Answers outside.test with 198.51.100.7, NXDOMAIN for the rest. */
export async function fakeUpstream(): Promise<FakeUpstream> {
  const queries: string[] = [];
  const s = dgram.createSocket('udp4');
  s.on('message', (msg, r) => {
    const q = parseQuery(msg);
    const name = q.question?.name.toLowerCase() ?? '';
    queries.push(name);
    const reply =
      name === 'outside.test' && q.question?.type === TYPE_A
        ? buildResponse(msg, q, 0, [{ type: TYPE_A, ttl: 60, data: Buffer.from([198, 51, 100, 7]) }], false)
        : buildResponse(msg, q, RCODE_NXDOMAIN, [], false);
    s.send(reply, r.port, r.address);
  });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return {
    address: `127.0.0.1:${s.address().port}`,
    queries,
    close: () => new Promise<void>((r) => s.close(() => r())),
  };
}

export interface TestNet {
  svc: NetworkService;
  config: NetworkConfig;
  prefix: string;
  dir: string;
  upstream: FakeUpstream;
  containers: Map<string, ContainerRef>;
  source: ContainerSource;
  /** A fresh service on the same state (agent restart). */
  restart(): Promise<NetworkService>;
  cleanup(): Promise<void>;
}

export async function testNetwork(overrides: Partial<NetworkConfig> = {}): Promise<TestNet> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-net-'));
  const prefix = 'n' + crypto.randomBytes(3).toString('hex').slice(0, 5);
  const upstream = await fakeUpstream();
  const config: NetworkConfig = {
    stateDir: path.join(dir, 'network'),
    prefix,
    bridgeName: `${prefix}0`,
    bridgeSubnet: await freeSubnet(),
    mtu: 1500,
    ipForward: false,
    firewall: 'auto',
    dnsUpstreams: [upstream.address],
    log: createLogger(process.env.BERTH_TEST_NET_LOG ? 'debug' : 'error'),
    ...overrides,
  };
  const containers = new Map<string, ContainerRef>();
  const source: ContainerSource = {
    find: (q) => containers.get(q) ?? [...containers.values()].find((c) => c.name === q || c.id.startsWith(q)),
    list: () => [...containers.values()],
  };
  const t: TestNet = {
    svc: new NetworkService(config),
    config,
    prefix,
    dir,
    upstream,
    containers,
    source,
    async restart() {
      t.svc = new NetworkService(config);
      await t.svc.start(source);
      return t.svc;
    },
    async cleanup() {
      // Release every container first so shutdown finds the module idle and removes all it made.
      for (const id of [...t.svc.ctx.sandboxes.keys()])
        await t.svc.detach(id, { release: true }).catch(() => undefined);
      await t.svc.shutdown().catch(() => undefined);
      await upstream.close();
      // Whatever a failed test left: our links and our table, by our unique names only.
      for (const l of await hostLinks(prefix)) await execFileP('ip', ['link', 'del', l]).catch(() => undefined);
      await execFileP('nft', ['delete', 'table', 'ip', prefix]).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await t.svc.start(source);
  return t;
}

export interface FakeContainer {
  id: string;
  name: string;
  ns: TestNetns;
  run(args: string[], timeoutMs?: number): Promise<{ code: number; stdout: string; stderr: string }>;
  /** busybox wget -q -O - URL with a hard timeout; the body or undefined. */
  get(url: string, timeoutSec?: number): Promise<string | undefined>;
}

/** A "container": a namespace registered as running with the fake container source. */
export async function fakeContainer(t: TestNet, name: string): Promise<FakeContainer> {
  const ns = await createNetns('bnt');
  const id = crypto.randomBytes(32).toString('hex');
  t.containers.set(id, { id, name, running: true, netns: { path: ns.path } });
  const run = (args: string[], timeoutMs?: number) => ns.exec(args, timeoutMs);
  return {
    id,
    name,
    ns,
    run,
    async get(url, timeoutSec = 3) {
      const r = await run(['timeout', '-s', 'KILL', String(timeoutSec), BUSYBOX, 'wget', '-q', '-O', '-', url]);
      return r.code === 0 ? r.stdout : undefined;
    },
  };
}

export function request(
  c: FakeContainer,
  mode: string,
  extra: Partial<ContainerNetworkRequest> = {},
): ContainerNetworkRequest {
  return { containerName: c.name, mode, hostname: c.id.slice(0, 12), etcDir: c.ns.etcDir, ...extra };
}

/** Serve `text` as /index.html from busybox httpd on port 80 inside the container. */
export async function serveFile(c: FakeContainer, text: string): Promise<string> {
  const www = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-www-'));
  fs.writeFileSync(path.join(www, 'index.html'), text);
  c.ns.spawn([BUSYBOX, 'httpd', '-f', '-p', '80', '-h', www]);
  for (let i = 0; i < 50; i++) {
    if ((await c.get('http://127.0.0.1/index.html', 1)) === text) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  return www;
}

export async function nftTable(prefix: string): Promise<string> {
  try {
    return (await execFileP('nft', ['list', 'table', 'ip', prefix])).stdout;
  } catch {
    return '';
  }
}

export async function hostGet(url: string): Promise<string | undefined> {
  try {
    const { stdout } = await execFileP('curl', ['-sS', '--max-time', '5', url]);
    return stdout;
  } catch {
    return undefined;
  }
}
