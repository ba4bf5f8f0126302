/**
 * The Engine API through dockerode, the library the Berth GUI uses (issue 5): pull with
 * followProgress, create/start/inspect/list, attach streams (stdin in, demultiplexed out), logs,
 * exec with hijack (with and without a TTY), stats one-shot and streamed, wait conditions,
 * getEvents, kill/restart/remove and Docker-shaped errors.
 */
import { PassThrough, type Readable } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startBerthd, type BerthdHandle } from '../support/berthd';
import { cleanAgent } from '../support/cli-agent';
import { describeIf } from '../support/env';

interface Demuxed {
  stdout: string;
  stderr: string;
}

/** Collect a multiplexed attach/exec stream until it ends. */
function collect(docker: Docker, stream: NodeJS.ReadableStream): Promise<Demuxed> {
  const out = new PassThrough();
  const err = new PassThrough();
  const got: Demuxed = { stdout: '', stderr: '' };
  out.on('data', (c: Buffer) => (got.stdout += c.toString()));
  err.on('data', (c: Buffer) => (got.stderr += c.toString()));
  docker.modem.demuxStream(stream, out, err);
  return new Promise((resolve, reject) => {
    stream.on('end', () => resolve(got));
    stream.on('close', () => resolve(got));
    stream.on('error', reject);
  });
}

/** Split a non-TTY logs buffer (8-byte frame headers) into stdout and stderr. */
function demuxBuffer(buf: Buffer): Demuxed {
  const got: Demuxed = { stdout: '', stderr: '' };
  for (let off = 0; off + 8 <= buf.length;) {
    const size = buf.readUInt32BE(off + 4);
    const text = buf.subarray(off + 8, off + 8 + size).toString();
    if (buf[off] === 2) got.stderr += text;
    else got.stdout += text;
    off += 8 + size;
  }
  return got;
}

/** The first `n` JSON objects of a newline-delimited JSON stream, then the stream is destroyed. */
function firstJson<T>(stream: Readable, n: number, timeoutMs = 10_000): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const items: T[] = [];
    let buf = '';
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new Error(`only ${items.length} of ${n} JSON messages within ${timeoutMs} ms`));
    }, timeoutMs);
    stream.on('data', (c: Buffer) => {
      buf += c.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line && items.length < n) items.push(JSON.parse(line) as T);
      }
      if (items.length >= n) {
        clearTimeout(timer);
        stream.destroy();
        resolve(items);
      }
    });
    stream.on('error', (e) => {
      clearTimeout(timer);
      if (items.length < n) reject(e);
    });
  });
}

describeIf('Engine API with dockerode', { root: true, commands: ['docker-registry', 'skopeo'] }, () => {
  let d: BerthdHandle;
  let docker: Docker;
  let img: string;

  beforeAll(async () => {
    const reg = inject('fixtureRegistry')!;
    img = reg.images.busybox;
    d = await startBerthd({ args: ['--insecure-registry', reg.host] });
    docker = new Docker({ socketPath: d.socket });
  });
  afterAll(async () => {
    if (d) {
      await cleanAgent(d);
      await d.stop();
      d.cleanup();
    }
  });

  it('pulls with followProgress and reports the API version', async () => {
    const version = await docker.version();
    expect(version.ApiVersion).toBe('1.43');
    expect(await docker.ping()).toBeTruthy();
    const stream = (await docker.pull(img)) as NodeJS.ReadableStream;
    const progress: Array<{ status?: string; id?: string }> = [];
    const final = await new Promise<Array<{ status?: string }>>((resolve, reject) =>
      docker.modem.followProgress(
        stream,
        (err: Error | null, out: Array<{ status?: string }>) => (err ? reject(err) : resolve(out)),
        (ev: { status?: string; id?: string }) => progress.push(ev),
      ),
    );
    expect(progress.some((p) => p.status === 'Pull complete')).toBe(true);
    expect(final.at(-1)?.status).toBe(`Status: Downloaded newer image for ${img}`);
    const images = await docker.listImages();
    expect(images.flatMap((i) => i.RepoTags ?? [])).toContain(img);
    const again = (await docker.pull(img)) as NodeJS.ReadableStream;
    const second = await new Promise<Array<{ status?: string }>>((resolve, reject) =>
      docker.modem.followProgress(again, (err: Error | null, out: Array<{ status?: string }>) =>
        err ? reject(err) : resolve(out),
      ),
    );
    expect(second.at(-1)?.status).toBe(`Status: Image is up to date for ${img}`);
  });

  it('creates, attaches (stdin in, stdout/stderr out), starts, waits, inspects and lists', async () => {
    const c = await docker.createContainer({
      Image: img,
      name: 'dode-attach',
      Cmd: ['sh', '-c', 'read line; echo "got $line"; echo oops >&2; exit 3'],
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Labels: { suite: 'dockerode' },
    });
    const stream = await c.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true });
    const done = collect(docker, stream);
    const waited = c.wait({ condition: 'next-exit' });
    await c.start();
    stream.write('hello\n');
    stream.end();
    expect(await done).toEqual({ stdout: 'got hello\n', stderr: 'oops\n' });
    expect(await waited).toMatchObject({ StatusCode: 3 });
    const info = await c.inspect();
    expect(info.Name).toBe('/dode-attach');
    expect(info.State).toMatchObject({ Status: 'exited', Running: false, ExitCode: 3, OOMKilled: false });
    expect(info.Config.Labels).toMatchObject({ suite: 'dockerode' });
    const listed = await docker.listContainers({ all: true, filters: { label: ['suite=dockerode'] } });
    expect(listed.map((x) => x.Names[0])).toEqual(['/dode-attach']);
    expect(listed[0]!.State).toBe('exited');
    const logs = demuxBuffer(await c.logs({ stdout: true, stderr: true, follow: false }));
    expect(logs).toEqual({ stdout: 'got hello\n', stderr: 'oops\n' });
    const stamped = (await c.logs({ stdout: true, timestamps: true, follow: false })).toString();
    expect(stamped).toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z got hello/);
    await c.remove();
  });

  it('follows logs and runs execs with hijack, with and without a TTY', async () => {
    const c = await docker.createContainer({
      Image: img,
      name: 'dode-exec',
      Cmd: ['sh', '-c', 'i=0; while true; do echo line $i; i=$((i+1)); sleep 0.1; done'],
    });
    await c.start();
    const follow = (await c.logs({ stdout: true, follow: true, tail: 1 })) as unknown as Readable;
    const lines: string[] = [];
    const out = new PassThrough();
    out.on('data', (b: Buffer) => lines.push(...b.toString().split('\n').filter(Boolean)));
    docker.modem.demuxStream(follow, out, new PassThrough());
    await new Promise((r) => setTimeout(r, 600));
    follow.destroy();
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.every((l) => /^line \d+$/.test(l))).toBe(true);

    const exec = await c.exec({
      Cmd: ['sh', '-c', 'tr a-z A-Z; echo to-err >&2; exit 4'],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    });
    const duplex = await exec.start({ hijack: true, stdin: true });
    const got = collect(docker, duplex);
    duplex.end('shout\n');
    expect(await got).toEqual({ stdout: 'SHOUT\n', stderr: 'to-err\n' });
    const ei = await exec.inspect();
    expect(ei).toMatchObject({ Running: false, ExitCode: 4 });

    const tty = await c.exec({ Cmd: ['sh', '-c', 'tty; echo raw-out'], AttachStdout: true, Tty: true });
    const raw = await tty.start({ hijack: true, stdin: false, Tty: true });
    let text = '';
    raw.on('data', (b: Buffer) => (text += b.toString()));
    await new Promise((r) => raw.on('end', r));
    expect(text.replace(/\r/g, '')).toMatch(/^\/dev\/pts\/\d+\nraw-out\n$/);
    expect((await tty.inspect()).ExitCode).toBe(0);
  });

  it('reports stats one-shot and streamed in Docker shape, and top', async () => {
    const c = docker.getContainer('dode-exec');
    const one = (await c.stats({ stream: false })) as Docker.ContainerStats;
    expect(one.cpu_stats.cpu_usage.total_usage).toBeGreaterThan(0);
    expect(one.memory_stats.usage).toBeGreaterThan(0);
    expect(one.pids_stats?.current).toBeGreaterThan(0);
    expect(typeof one.read).toBe('string');
    const stream = (await c.stats({ stream: true })) as unknown as Readable;
    const two = await firstJson<Docker.ContainerStats>(stream, 2);
    expect(two[1]!.precpu_stats.cpu_usage.total_usage).toBe(two[0]!.cpu_stats.cpu_usage.total_usage);
    expect(two[1]!.cpu_stats.cpu_usage.total_usage).toBeGreaterThanOrEqual(two[0]!.cpu_stats.cpu_usage.total_usage);
    const top = await c.top();
    expect(top.Titles).toContain('PID');
    expect((top.Processes as string[][]).some((p) => p.join(' ').includes('while true'))).toBe(true);
  });

  it('streams events with getEvents while containers change', async () => {
    const since = Math.floor(Date.now() / 1000);
    const events = (await docker.getEvents({
      filters: { type: ['container'], container: ['dode-exec'] },
    })) as unknown as Readable;
    const seen = firstJson<{ Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> } }>(
      events,
      3,
    );
    await new Promise((r) => setTimeout(r, 200));
    const c = docker.getContainer('dode-exec');
    await c.pause();
    await c.unpause();
    await c.kill({ signal: 'SIGKILL' });
    const got = await seen;
    expect(got.map((e) => e.Action)).toEqual(['pause', 'unpause', 'kill']);
    expect(got[2]!.Actor.Attributes).toMatchObject({ name: 'dode-exec', signal: '9' });
    expect(got.every((e) => e.Type === 'container')).toBe(true);
    // and the history, with since/until, as the GUI reads it at start
    const past = (await docker.getEvents({
      since,
      until: Math.ceil(Date.now() / 1000) + 1,
      filters: { container: ['dode-exec'], event: ['die'] },
    })) as unknown as Readable;
    const [die] = await firstJson<{ Action: string; Actor: { Attributes: Record<string, string> } }>(past, 1);
    expect(die).toMatchObject({ Action: 'die', Actor: { Attributes: { exitCode: '137' } } });
  });

  it('waits for removal, restarts, removes with force and answers unknown ids with 404', async () => {
    const c = await docker.createContainer({ Image: img, name: 'dode-rm', Cmd: ['sleep', '300'] });
    await c.start();
    await c.restart({ t: 0 });
    expect((await c.inspect()).State.Running).toBe(true);
    const removed = c.wait({ condition: 'removed' });
    await c.remove({ force: true, v: true });
    expect(await removed).toMatchObject({ StatusCode: 137 });
    const err = (await c.inspect().catch((e: unknown) => e)) as { statusCode: number; json: { message: string } };
    expect(err.statusCode).toBe(404);
    expect(err.json.message).toMatch(/No such container/);
    const conflict = (await docker.createContainer({ Image: img, name: 'dode-exec' }).catch((e: unknown) => e)) as {
      statusCode: number;
      json: { message: string };
    };
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json.message).toMatch(/Conflict. The container name "\/dode-exec" is already in use/);
    const noImage = (await docker.createContainer({ Image: 'berth-test/absent:1' }).catch((e: unknown) => e)) as {
      statusCode: number;
    };
    expect(noImage.statusCode).toBe(404);
    await docker.getContainer('dode-exec').remove({ force: true });
    expect(await docker.listContainers({ all: true })).toEqual([]);
  });
});
