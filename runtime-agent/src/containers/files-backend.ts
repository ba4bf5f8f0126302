/**
 * docker cp (archive HEAD/GET/PUT), export, changes and top for the API. Paths inside the
 * container are resolved within its root (never out); a stopped container's overlay is mounted
 * on the host for the operation only.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { promisify } from 'node:util';
import { InvalidArgument, NotFound } from '../errdefs';
import type { ImageService } from '../images/image-service';
import type { ContainerRuntime } from '../runtime/runtime';
import { packPath } from './archive/pack';
import { pathStat, pathStatHeader } from './archive/path-stat';
import { resolveInRoot } from './archive/secure-join';
import { unpackInto } from './archive/unpack';
import type { RootfsViews, ViewTarget } from './rootfs-view';

const run = promisify(execFile);

export class ContainerFiles {
  constructor(
    private readonly rt: ContainerRuntime,
    private readonly views: RootfsViews,
    private readonly images: ImageService,
  ) {}

  private target(ref: string): ViewTarget {
    const rec = this.rt.inspect(ref);
    const running = rec.state.status === 'running' || rec.state.status === 'paused';
    return { dir: this.rt.dir(rec.id), runningPid: running ? rec.state.pid : undefined, rootfs: rec.rootfs };
  }

  private static resolve(root: string, p: string, name: string): string {
    if (!p.startsWith('/')) p = '/' + p;
    // A trailing "/" or "/." asks for the directory behind a symlink.
    const follow = p.endsWith('/') || p.endsWith('/.');
    const host = resolveInRoot(root, p, { followFinal: follow });
    if (!fs.existsSync(host) && !isLink(host)) {
      throw new NotFound(`Could not find the file ${p} in container ${name}`);
    }
    return host;
  }

  async statPath(ref: string, p: string): Promise<{ header: string }> {
    return this.views.with(this.target(ref), 'read', async (root) => {
      const host = ContainerFiles.resolve(root, p, ref);
      return { header: pathStatHeader(pathStat(host, p)) };
    });
  }

  async getArchive(ref: string, p: string): Promise<{ header: string; tar: Readable }> {
    const ready = deferred<{ header: string; tar: Readable }>();
    const done = this.views.with(this.target(ref), 'read', async (root) => {
      const host = ContainerFiles.resolve(root, p, ref);
      const header = pathStatHeader(pathStat(host, p));
      const base = p.endsWith('/.') ? '.' : path.posix.basename(p.replace(/\/+$/, '')) || '.';
      const out = new PassThrough();
      (packPath(host, base) as unknown as Readable).pipe(out);
      ready.resolve({ header, tar: out });
      await finished(out).catch(() => undefined);
    });
    done.catch((err: unknown) => ready.reject(err));
    return ready.promise;
  }

  async putArchive(
    ref: string,
    p: string,
    body: NodeJS.ReadableStream,
    o: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean },
  ): Promise<void> {
    const t = this.target(ref);
    const rec = this.rt.inspect(ref);
    if (rec.spec.readonlyRootfs && t.runningPid) throw new InvalidArgument('container rootfs is marked read-only');
    await this.views.with(t, 'write', async (root) => {
      const host = resolveInRoot(root, p.startsWith('/') ? p : '/' + p, { followFinal: true });
      if (!fs.existsSync(host)) throw new NotFound(`Could not find the file ${p} in container ${ref}`);
      if (!fs.statSync(host).isDirectory()) throw new InvalidArgument(`extraction point is not a directory: ${p}`);
      const rel = '/' + path.relative(root, host);
      await unpackInto(body, {
        root,
        dest: rel,
        copyUIDGID: o.copyUIDGID,
        noOverwriteDirNonDir: o.noOverwriteDirNonDir,
      });
    });
  }

  async export(ref: string): Promise<Readable> {
    const ready = deferred<Readable>();
    const done = this.views.with(this.target(ref), 'export', async (root) => {
      const out = new PassThrough();
      this.images.exportRootfs(root).pipe(out);
      ready.resolve(out);
      await finished(out).catch(() => undefined);
    });
    done.catch((err: unknown) => ready.reject(err));
    return ready.promise;
  }

  /** Files added (1), changed (0) or deleted (2) against the image, from the overlay upper dir. */
  changes(ref: string): Array<{ Path: string; Kind: 0 | 1 | 2 }> {
    const rec = this.rt.inspect(ref);
    if (!('lowerDirs' in rec.rootfs)) return [];
    const lowers = rec.rootfs.lowerDirs;
    const upper = path.join(this.rt.dir(rec.id), 'rootfs', 'upper');
    const out: Array<{ Path: string; Kind: 0 | 1 | 2 }> = [];
    const inLower = (rel: string): boolean => {
      for (const l of lowers) {
        try {
          const st = fs.lstatSync(path.join(l, rel));
          return !(st.isCharacterDevice() && st.rdev === 0);
        } catch {
          /* not in this layer */
        }
      }
      return false;
    };
    const walk = (rel: string): void => {
      for (const name of fs.readdirSync(path.join(upper, rel)).sort()) {
        const r = path.posix.join(rel, name);
        const st = fs.lstatSync(path.join(upper, r));
        if (st.isCharacterDevice() && st.rdev === 0) {
          out.push({ Path: r, Kind: 2 });
          continue;
        }
        out.push({ Path: r, Kind: inLower(r) ? 0 : 1 });
        if (st.isDirectory()) walk(r);
      }
    };
    if (fs.existsSync(upper)) walk('/');
    return out;
  }

  /** `docker top`: the host's ps, filtered to the container's processes (as dockerd does). */
  async top(ref: string, psArgs: string | undefined): Promise<{ Titles: string[]; Processes: string[][] }> {
    const rec = this.rt.inspect(ref);
    if (rec.state.status !== 'running' && rec.state.status !== 'paused') {
      throw new InvalidArgument(`Container ${rec.id} is not running`);
    }
    const pids = new Set(this.rt.cgroupOf(this.rt.get(rec.id)).pids().map(String));
    const args = (psArgs || '-ef').split(/\s+/).filter(Boolean);
    let stdout: string;
    try {
      ({ stdout } = await run('ps', args, { env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' } }));
    } catch (err) {
      throw new InvalidArgument(`Error running ps: ${(err as Error).message}`);
    }
    const lines = stdout.split('\n').filter((l) => l.trim() !== '');
    const titles = (lines[0] ?? '').trim().split(/\s+/);
    const pidCol = titles.indexOf('PID');
    if (pidCol < 0) throw new InvalidArgument(`Couldn't find PID field in ps output`);
    const processes: string[][] = [];
    for (const line of lines.slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (!pids.has(fields[pidCol] ?? '')) continue;
      const row = fields.slice(0, titles.length - 1);
      row.push(fields.slice(titles.length - 1).join(' '));
      processes.push(row);
    }
    return { Titles: titles, Processes: processes };
  }
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
