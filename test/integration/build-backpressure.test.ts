/**
 * A RUN step that writes without pause (`yes`) to a client that stops reading: the agent must not
 * buffer the output without bound. The step's container is paused while the client is behind; a
 * client that goes away cancels the build.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { BerthdHandle } from '../support/berthd';
import type { CliResult } from '../support/docker-cli';
import { describeIf } from '../support/env';
import { startCliAgent, type CliAgent } from '../support/cli-agent';

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const rssKiB = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
};

describeIf('docker build: output to a slow client', { root: true, commands: ['docker-registry', 'skopeo'] }, () => {
  let a: CliAgent;
  let d: BerthdHandle;
  let img: string;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-build-bp-'));
  const run = (args: string[]): Promise<CliResult> => a.run(args, { timeoutMs: 60_000 });

  beforeAll(async () => {
    a = await startCliAgent(inject('fixtureRegistry')!);
    ({ d, img } = a);
  });
  afterAll(async () => {
    await a?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a noisy RUN is paused while the client does not read, and cancelled when it goes away', async () => {
    const ctx = fs.mkdtempSync(path.join(tmp, 'ctx-'));
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${img}\nRUN yes "$(printf '%2000s' x)"\n`);
    const tar = execFileSync('tar', ['-c', '-C', ctx, 'Dockerfile']);
    const req = http.request({
      socketPath: d.socket,
      method: 'POST',
      path: '/v1.43/build?rm=1&forcerm=1',
      headers: { 'Content-Type': 'application/x-tar', 'Content-Length': String(tar.length) },
    });
    const gotResponse = new Promise<http.IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', reject);
    });
    req.end(tar);
    const res = await gotResponse;
    expect(res.statusCode).toBe(200);
    res.pause(); // the client stops reading
    const status = async (): Promise<string> =>
      (await run(['ps', '-a', '--filter', 'label=com.berth.build', '--format', '{{.Status}}'])).stdout.trim();
    // Paused and resumed while the socket's kernel buffers take what is pending, then paused for
    // good once they are full.
    let pausedFor = 0;
    await until('the RUN container to stay paused', async () => {
      pausedFor = (await status()).includes('Paused') ? pausedFor + 1 : 0;
      return pausedFor >= 5;
    });
    // What the container wrote before the pause still drains through the log pump: let it
    // settle, then the agent must not keep growing while the client stays silent.
    await new Promise((r) => setTimeout(r, 3000));
    const before = rssKiB(d.pid);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await status()).toMatch(/Paused/);
    expect(rssKiB(d.pid) - before).toBeLessThan(64 * 1024);
    req.destroy();
    res.destroy();
    await until('the build container to go', async () => (await run(['ps', '-aq'])).stdout.trim() === '');
  });
});
