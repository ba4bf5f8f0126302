/** API round trips on the local socket: the floor every other figure stands on. */
import http from 'node:http';
import { missing } from '../support/env';
import { startBerthd } from '../support/berthd';
import { docker } from '../support/docker-cli';
import { medianMs, type Benchmark } from './harness';

function ping(socket: string, agent: http.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, path: '/_ping', method: 'GET', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end();
  });
}

export const benchmarks: Benchmark[] = [
  {
    id: 'system.api',
    title: 'Engine API on the local socket',
    skip: () => missing({ root: true }),
    async run() {
      const d = await startBerthd({ logLevel: 'info' });
      try {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const pingRes = await medianMs(200, () => ping(d.socket, agent), 20);
        agent.destroy();
        const cli = await medianMs(10, () => docker(d.host, ['version', '--format', '{{.Server.Version}}']));
        return [
          { name: 'GET /_ping, keep-alive', value: pingRes.median, unit: 'ms', samples: 200 },
          { name: 'docker version (CLI start to exit)', value: cli.median, unit: 'ms', samples: 10 },
        ];
      } finally {
        await d.stop();
        d.cleanup();
      }
    },
  },
];
