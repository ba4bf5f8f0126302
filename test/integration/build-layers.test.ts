/**
 * What a RUN step's layer holds: what the step wrote, not the mount targets the container's
 * set-up created (/etc/hostname, /etc/hosts, /etc/resolv.conf when the image lacks them, VOLUME
 * targets), which dockerd keeps out of commits.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { CliResult } from '../support/docker-cli';
import { describeIf } from '../support/env';
import { startCliAgent, type CliAgent } from '../support/cli-agent';

describeIf('docker build: RUN layers', { root: true, commands: ['docker-registry', 'skopeo'] }, () => {
  let a: CliAgent;
  let img: string;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-build-layers-'));
  const run = (args: string[]): Promise<CliResult> => a.run(args, { timeoutMs: 120_000 });

  beforeAll(async () => {
    a = await startCliAgent(inject('fixtureRegistry')!);
    img = a.img;
  });
  afterAll(async () => {
    await a?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The entries of the image's last layer, from `docker save`. */
  async function lastLayer(image: string): Promise<string[]> {
    const dir = fs.mkdtempSync(path.join(tmp, 'save-'));
    const saved = await run(['save', '-o', path.join(dir, 'img.tar'), image]);
    expect(saved.code, saved.stderr).toBe(0);
    execFileSync('tar', ['-xf', path.join(dir, 'img.tar'), '-C', dir]);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Array<{
      Layers: string[];
    }>;
    const layers = manifest[0]!.Layers;
    const out = execFileSync('tar', ['-tf', path.join(dir, layers[layers.length - 1]!)]).toString();
    return out
      .split('\n')
      .filter(Boolean)
      .map((n) => n.replace(/^\.\//, ''))
      .sort();
  }

  it('a RUN layer has what the step wrote and no mount-target stubs', async () => {
    const ctx = fs.mkdtempSync(path.join(tmp, 'ctx-'));
    // busybox lacks /etc/hostname, /etc/hosts and /etc/resolv.conf: RUN containers get them as
    // bind-mount targets. /vol is a VOLUME.
    fs.writeFileSync(
      path.join(ctx, 'Dockerfile'),
      [`FROM ${img}`, 'VOLUME /vol', 'RUN mkdir /made && echo hi > /made/f', ''].join('\n'),
    );
    const built = await run(['build', '-t', 'berth-test/layers:1', ctx]);
    expect(built.code, built.stderr + built.stdout).toBe(0);
    const entries = await lastLayer('berth-test/layers:1');
    expect(entries.filter((e) => !/^etc\/?$/.test(e))).toEqual(['made/', 'made/f']);
  });
});
