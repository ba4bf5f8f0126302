/**
 * Network figures: set-up time per container (the runtime's attach hook: veth into the
 * namespace, address, route, and with a published port the firewall map update), against the
 * prototype's five `ip` calls; and loopback transfer rates to a container through a published
 * port (DNAT), through a userland proxy, and directly to its address.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { startProxy } from '../../runtime-agent/src/network/ports/proxy';
import { parsePortSpec } from '../../runtime-agent/src/network/ports/spec';
import { missing } from '../support/env';
import { createNetns, type TestNetns } from '../support/netns';
import { freePort } from '../support/ports';
import { fakeContainer, request, testNetwork } from '../integration/network-helpers';
import { median, timeMs, type Benchmark, type Figure } from './harness';

const execFileP = promisify(execFile);

async function attachFigures(n: number): Promise<Figure[]> {
  const t = await testNetwork();
  const spaces: TestNetns[] = [];
  try {
    for (let i = 0; i < n + 2; i++) spaces.push(await createNetns('bnb'));
    const bridge = t.svc.find('bridge');
    await t.svc.ctx.realize(bridge); // the first container's one-off bridge creation is not per-container work
    const br = bridge.bridge;
    const gw = bridge.ipam.config[0]!.gateway;
    const base = gw.replace(/\.1$/, '.');
    const plain: number[] = [];
    const ported: number[] = [];
    const detach: number[] = [];
    const ipCalls: number[] = [];
    // Interleaved, so the three ways meet the same machine noise.
    for (const [i, ns] of spaces.entries()) {
      const keep = i >= 2; // two warm-up rounds
      for (const withPort of [false, true]) {
        const id = crypto.randomBytes(32).toString('hex');
        const req = {
          containerName: `bench${i}`,
          mode: 'bridge',
          hostname: id.slice(0, 12),
          ports: withPort ? parsePortSpec('127.0.0.1::80') : [],
        };
        const ms = await timeMs(() => t.svc.attach(id, { path: ns.path }, req));
        const d = await timeMs(() => t.svc.detach(id, { release: true }));
        if (!keep) continue;
        (withPort ? ported : plain).push(ms);
        if (!withPort) detach.push(d);
      }
      // The prototype's way: five separate ip processes per container.
      const veth = `${t.prefix}x${i}`;
      const ms = await timeMs(async () => {
        await execFileP('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name]);
        await execFileP('ip', ['link', 'set', veth, 'master', br, 'up']);
        await execFileP('ip', ['-n', ns.name, 'addr', 'add', `${base}${100 + i}/24`, 'dev', 'eth0']);
        await execFileP('ip', ['-n', ns.name, 'link', 'set', 'eth0', 'up']);
        await execFileP('ip', ['-n', ns.name, 'route', 'add', 'default', 'via', gw]);
      });
      if (keep) ipCalls.push(ms);
      await execFileP('ip', ['link', 'del', veth]);
    }
    const ref = { tool: 'ip ×5 (prototype)', value: median(ipCalls) };
    return [
      {
        name: 'network set-up per container (attach: veth, address, route)',
        value: median(plain),
        unit: 'ms',
        samples: n,
        reference: ref,
        target: '≤ 15 ms',
      },
      {
        name: 'network set-up per container with one published port',
        value: median(ported),
        unit: 'ms',
        samples: n,
        reference: ref,
        target: '≤ 15 ms',
      },
      {
        name: 'network tear-down per container (detach, veth delete)',
        value: median(detach),
        unit: 'ms',
        samples: n,
      },
    ];
  } finally {
    for (const s of spaces) await s.remove();
    await t.cleanup();
  }
}

/** MB/s of one download by curl (less CPU on the client side than Node's http). */
async function download(url: string): Promise<number> {
  const { stdout } = await execFileP('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{speed_download}', url]);
  const [code, speed] = stdout.trim().split(' ');
  if (code !== '200') throw new Error(`HTTP ${code} from ${url}`);
  return Number(speed) / 1e6;
}

async function transferFigures(sizeMiB: number, rounds: number): Promise<Figure[]> {
  const t = await testNetwork();
  const c = await fakeContainer(t, 'xfer');
  let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
  try {
    const hostPort = await freePort();
    const r = await t.svc.attach(
      c.id,
      { path: c.ns.path },
      request(c, 'bridge', { ports: parsePortSpec(`127.0.0.1:${hostPort}:80`) }),
    );
    // A server that is not the bottleneck: Node writing one buffer from memory.
    c.ns.spawn([
      process.execPath,
      '-e',
      `const b=Buffer.alloc(${sizeMiB * 1024 * 1024},7);require('http').createServer((q,r)=>{r.writeHead(200,{'content-length':b.length});r.end(b)}).listen(80)`,
    ]);
    const ip = r.settings.IPAddress;
    for (let i = 0; i < 50 && (await c.get('http://127.0.0.1/blob', 5)) === undefined; i++)
      await new Promise((res) => setTimeout(res, 50));
    proxy = await startProxy('127.0.0.1', 0, { ip, port: 80 });
    const rate = async (url: string): Promise<number> => {
      await download(url);
      const xs: number[] = [];
      for (let i = 0; i < rounds; i++) xs.push(await download(url));
      return median(xs);
    };
    const direct = await rate(`http://${ip}/blob`);
    const dnat = await rate(`http://127.0.0.1:${hostPort}/blob`);
    const viaProxy = await rate(`http://127.0.0.1:${proxy.port}/blob`);
    return [
      {
        name: `loopback transfer through the published port (DNAT), ${sizeMiB} MiB`,
        value: dnat,
        unit: 'MB/s',
        samples: rounds,
        reference: { tool: 'direct to container IP', value: direct },
      },
      {
        name: `loopback transfer through a userland proxy in the agent, ${sizeMiB} MiB`,
        value: viaProxy,
        unit: 'MB/s',
        samples: rounds,
        reference: { tool: 'direct to container IP', value: direct },
      },
    ];
  } finally {
    await proxy?.close();
    await c.ns.remove();
    await t.cleanup();
  }
}

export const benchmarks: Benchmark[] = [
  {
    id: 'network.setup',
    title: 'Network set-up per container',
    skip: () => missing({ root: true, commands: ['ip', 'nft'] }),
    run: () => attachFigures(30),
  },
  {
    id: 'network.transfer',
    title: 'Loopback transfer: published port vs proxy vs container IP',
    skip: () => missing({ root: true, commands: ['ip', 'nft', 'curl'] }),
    run: () => transferFigures(128, 5),
  },
];
