/**
 * berthd answers the real docker CLI: version and info print a Server section with berthd's
 * values; the socket is not world-writable; one daemon per data root; clean shutdown.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { detectCgroups, dockerCgroupVersion } from '../../runtime-agent/src/cgroups/detect';
import { berthdBin, describeRoot } from '../support/env';
import { request, startBerthd, type BerthdHandle } from '../support/berthd';
import { docker } from '../support/docker-cli';

describeRoot('berthd and the docker CLI', () => {
  let d: BerthdHandle;
  beforeAll(async () => {
    d = await startBerthd();
  });
  afterAll(async () => {
    await d?.stop();
    d?.cleanup();
  });

  it('docker version prints a Server section from berthd', async () => {
    const r = await docker(d.host, ['version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Server: Berth Engine/);
    expect(r.stdout).toMatch(/API version:\s+1\.43 \(minimum version 1\.24\)/);
    const fmt = await docker(d.host, [
      'version',
      '--format',
      '{{.Server.Os}}/{{.Server.Arch}} {{.Server.KernelVersion}}',
    ]);
    expect(fmt.stdout.trim()).toBe(`linux/${process.arch === 'x64' ? 'amd64' : process.arch} ${os.release()}`);
  });

  it('docker info prints real host values', async () => {
    const r = await docker(d.host, ['info', '--format', '{{json .}}']);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(info.KernelVersion).toBe(os.release());
    expect(info.NCPU).toBe(os.availableParallelism());
    expect(info.MemTotal).toBe(os.totalmem());
    expect(info.Driver).toBe('overlay2');
    expect(info.DockerRootDir).toBe(d.dataRoot);
    expect(info.CgroupVersion).toBe(dockerCgroupVersion(detectCgroups()));
    expect(info.CgroupDriver).toBe('cgroupfs');
    expect(info.OSType).toBe('linux');
    const text = await docker(d.host, ['info']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Server Version: \d+\.\d+\.\d+/);
    expect(text.stdout).toMatch(/Storage Driver: overlay2/);
  });

  it('the socket is 0660 and not world-writable', () => {
    const st = fs.statSync(d.socket);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o660);
    expect(st.mode & 0o002).toBe(0);
  });

  it('answers HEAD /_ping with the Engine headers', async () => {
    const r = await request(d.socket, 'HEAD', '/_ping');
    expect(r.status).toBe(200);
    expect(r.headers['api-version']).toBe('1.43');
    expect(r.headers['builder-version']).toBe('1');
    expect(r.headers['ostype']).toBe('linux');
  });

  it('gives Docker-style JSON errors', async () => {
    const notFound = await request(d.socket, 'GET', '/v1.43/no/such/route');
    expect(notFound.status).toBe(404);
    expect(notFound.json()).toEqual({ message: 'page not found' });
    const tooNew = await request(d.socket, 'GET', '/v1.99/info');
    expect(tooNew.status).toBe(400);
    expect((tooNew.json() as { message: string }).message).toMatch(/client version 1.99 is too new/);
  });

  it('refuses a second daemon on the same data root with a clear message', () => {
    const r = spawnSync(
      process.execPath,
      [
        berthdBin,
        '-H',
        `unix://${path.join(d.dir, 'second.sock')}`,
        '--data-root',
        d.dataRoot,
        '--exec-root',
        path.join(d.dir, 'exec2'),
      ],
      {
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/another berthd \(pid \d+\) is already running with data root/);
    expect(fs.existsSync(path.join(d.dir, 'second.sock'))).toBe(false);
  });

  it('refuses a socket that another daemon holds', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'berthd-other-'));
    const r = spawnSync(
      process.execPath,
      [
        berthdBin,
        '-H',
        `unix://${d.socket}`,
        '--data-root',
        path.join(other, 'data'),
        '--exec-root',
        path.join(other, 'exec'),
      ],
      {
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    fs.rmSync(other, { recursive: true, force: true });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/in use by another process/);
    expect((await request(d.socket, 'GET', '/_ping')).status).toBe(200);
  });
});

describeRoot('berthd process behaviour', () => {
  it('prints help and version', () => {
    const help = spawnSync(process.execPath, [berthdBin, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--data-root/);
    const v = spawnSync(process.execPath, [berthdBin, '--version'], { encoding: 'utf8' });
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^Berth version \d+\.\d+\.\d+/);
    const bad = spawnSync(process.execPath, [berthdBin, '--bogus'], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown flag: --bogus/);
  });

  it('shuts down cleanly on SIGTERM and removes its socket; sets the socket group', async () => {
    const d = await startBerthd({ args: ['--group', '0'] });
    expect(fs.statSync(d.socket).gid).toBe(0);
    expect(await d.stop()).toBe(0);
    expect(fs.existsSync(d.socket)).toBe(false);
    expect(d.log()).toMatch(/level=info msg="stopped"/);
    // The lock is released: a new daemon starts on the same data root.
    const again = await startBerthd({ dir: d.dir });
    expect(await again.stop()).toBe(0);
    again.cleanup();
  });

  it('logs structured lines', async () => {
    const d = await startBerthd();
    await request(d.socket, 'GET', '/v1.43/version');
    await d.stop();
    const lines = d.log().trim().split('\n');
    for (const l of lines) expect(l).toMatch(/^time="[^"]+" level=(debug|info|warn|error|fatal) msg="/);
    expect(d.log()).toMatch(/msg="API request" method=GET path=\/v1.43\/version status=200/);
    d.cleanup();
  });
});
