/**
 * The desktop app's transports to the agent, on loopback: per-request latency of dockerode over
 * the local socket, over SSH (streamlocal channels on one connection, and the dial-stdio
 * fallback) and over the WSL stdio-mux (a local stand-in for wsl.exe); 20 parallel requests;
 * connect-until-ready warm (agent installed and running) and cold (first install). The sshd runs
 * sessions with a light login shell; the cost of a heavy rc file is measured separately.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { createConnection } from '../../electron/src/connections/factory';
import type { AgentConnection } from '../../electron/src/connections/types';
import { testBundle } from '../support/agent-bundle';
import { startBerthd } from '../support/berthd';
import { missing, repoRoot } from '../support/env';
import { recordingPrompter, stopAgent, testPlacement, type Placement } from '../support/remote-agent';
import { sshFixture, type SshFixture } from '../support/ssh-fixture';
import { median, medianMs, timeMs, type Benchmark, type Figure } from './harness';

const REQUESTS = 200;

async function perRequest(docker: Dockerode): Promise<{ median: number; parallel: number }> {
  // The pty session that turns sshd's Nagle off is opened in the background of connect().
  await new Promise((r) => setTimeout(r, 500));
  const seq = await medianMs(REQUESTS, () => docker.ping(), 20);
  const par: number[] = [];
  for (let i = 0; i < 10; i++)
    par.push(await timeMs(() => Promise.all(Array.from({ length: 20 }, () => docker.version()))));
  return { median: seq.median, parallel: median(par) };
}

async function connectTimes(make: () => AgentConnection, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = make();
    out.push(await timeMs(() => c.connect()));
    await c.close();
  }
  return out;
}

export const benchmarks: Benchmark[] = [
  {
    id: 'transport.local',
    title: 'dockerode over the local berthd socket',
    skip: () => missing({ root: true }),
    async run() {
      const d = await startBerthd({ logLevel: 'info' });
      try {
        const conn = createConnection(
          'local',
          { kind: 'local', socketPath: d.socket },
          { prompter: recordingPrompter() },
        );
        await conn.connect();
        const r = await perRequest(conn.docker());
        await conn.close();
        return [
          { name: 'GET /_ping via dockerode, local socket', value: r.median, unit: 'ms', samples: REQUESTS },
          { name: '20 parallel GET /version, local socket', value: r.parallel, unit: 'ms', samples: 10 },
        ];
      } finally {
        await d.stop();
        d.cleanup();
      }
    },
  },
  {
    id: 'transport.ssh',
    title: 'dockerode over SSH to the agent (real sshd on loopback)',
    skip: () => missing({ root: true, commands: ['sshd', 'ssh-keygen', 'sha256sum'] }),
    async run() {
      const figures: Figure[] = [];
      let f: SshFixture | undefined;
      try {
        f = await sshFixture({ lightShell: true });
        const fx = f;
        const p = f.placement();
        // Cold: an empty install root, the bundle uploaded, verified, unpacked and started.
        const cold: number[] = [];
        for (let i = 0; i < 2; i++) {
          const q = i === 0 ? p : f.placement();
          cold.push(await timeMs(() => fx.connect({ agent: q }).connect()));
        }
        figures.push({
          name: 'connect until ready, cold (first install, 37 MB upload)',
          value: median(cold),
          unit: 'ms',
          samples: cold.length,
        });
        const warm = await connectTimes(() => fx.connect({ agent: p }), 10);
        figures.push({
          name: 'connect until ready, warm (agent running)',
          value: median(warm),
          unit: 'ms',
          samples: warm.length,
        });

        const conn = f.connect({ agent: p });
        await conn.connect();
        const r = await perRequest(conn.docker());
        await conn.close();
        figures.push({
          name: 'GET /_ping via dockerode, SSH streamlocal',
          value: r.median,
          unit: 'ms',
          samples: REQUESTS,
          target: '≤ 2 ms',
        });
        figures.push({ name: '20 parallel GET /version, SSH streamlocal', value: r.parallel, unit: 'ms', samples: 10 });
      } finally {
        await f?.dispose();
      }

      // The dial-stdio fallback (sshd forbids forwarding).
      let g: SshFixture | undefined;
      try {
        g = await sshFixture({ lightShell: true, config: ['AllowStreamLocalForwarding no'] });
        const p = g.placement();
        const conn = g.connect({ agent: p });
        await conn.connect();
        const r = await perRequest(conn.docker());
        await conn.close();
        figures.push({
          name: 'GET /_ping via dockerode, SSH dial-stdio fallback',
          value: r.median,
          unit: 'ms',
          samples: REQUESTS,
        });
        figures.push({
          name: '20 parallel GET /version, SSH dial-stdio (pool of 5)',
          value: r.parallel,
          unit: 'ms',
          samples: 10,
        });
      } finally {
        await g?.dispose();
      }

      // What a heavy login shell rc (this machine's root ~/.bashrc) adds to a cold connect.
      let h: SshFixture | undefined;
      try {
        h = await sshFixture();
        const fx = h;
        const q = h.placement();
        const t = await timeMs(() => fx.connect({ agent: q }).connect());
        figures.push({
          name: 'connect until ready, cold, with the real root login shell (rc files)',
          value: t,
          unit: 'ms',
          samples: 1,
          note: 'each exec/sftp session starts the login shell; the set-up uses 3 (shell, sftp, start)',
        });
      } finally {
        await h?.dispose();
      }
      return figures;
    },
  },
  {
    id: 'transport.wsl',
    title: 'dockerode over the WSL stdio-mux (local stand-in for wsl.exe)',
    skip: () => missing({ root: true, commands: ['sha256sum', 'tar'] }),
    async run() {
      const bundleDir = await testBundle();
      const placements: Placement[] = [];
      const fake = path.join(repoRoot, 'test', 'support', 'fake-wsl.sh');
      const make = (p: Placement): AgentConnection =>
        createConnection(
          'wsl',
          { kind: 'wsl', distro: 'Bench', wslCommand: [fake], agent: p },
          { prompter: recordingPrompter(), bundleDir },
        );
      try {
        const p = testPlacement('berth-bench-wsl-');
        placements.push(p);
        const first = make(p);
        const cold = await timeMs(() => first.connect());
        await first.close();
        const warm = await connectTimes(() => make(p), 10);
        const conn = make(p);
        await conn.connect();
        const r = await perRequest(conn.docker());
        await conn.close();
        return [
          { name: 'connect until ready, cold (first install), WSL', value: cold, unit: 'ms', samples: 1 },
          {
            name: 'connect until ready, warm (agent running), WSL',
            value: median(warm),
            unit: 'ms',
            samples: warm.length,
          },
          {
            name: 'GET /_ping via dockerode, WSL stdio-mux',
            value: r.median,
            unit: 'ms',
            samples: REQUESTS,
            target: '≤ 2 ms',
          },
          { name: '20 parallel GET /version, WSL stdio-mux', value: r.parallel, unit: 'ms', samples: 10 },
        ];
      } finally {
        for (const p of placements) {
          await stopAgent(p.socketPath);
          fs.rmSync(p.dir, { recursive: true, force: true });
        }
      }
    },
  },
];
