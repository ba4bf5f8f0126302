/**
 * Helpers for the image suites: pull through the Engine API and collect the JSON progress lines,
 * mount an image's lower dirs as a read-only overlay (as the runtime will), run busybox inside it
 * in its own mount and PID namespace, and publish custom test images (hostile layers, big layers)
 * to a registry with skopeo.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { OciLayoutWriter, sha256, type Descriptor } from './oci-layout';
import { skopeoCopy, type SkopeoAuth } from './skopeo';
import { makeTar, type TarEntry } from './tar';

export interface JsonLine {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message: string };
  stream?: string;
  aux?: Record<string, unknown>;
}

/** A request whose response is Docker's JSON-lines stream; resolves with every line. */
export function apiStream(
  socket: string,
  method: string,
  urlPath: string,
  opts: { headers?: Record<string, string>; body?: Buffer | fs.ReadStream } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; lines: JsonLine[]; raw: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, method, path: urlPath, headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const lines = raw
          .split(/\r?\n/)
          .filter((l) => l.trim())
          .map((l) => {
            try {
              return JSON.parse(l) as JsonLine;
            } catch {
              return { stream: l };
            }
          });
        resolve({ status: res.statusCode ?? 0, headers: res.headers, lines, raw });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body instanceof fs.ReadStream) opts.body.pipe(req);
    else req.end(opts.body);
  });
}

export function registryAuthHeader(auth: SkopeoAuth | undefined): Record<string, string> {
  const json = auth ? { username: auth.username, password: auth.password } : {};
  return { 'X-Registry-Auth': Buffer.from(JSON.stringify(json)).toString('base64url') };
}

export async function apiPull(
  socket: string,
  ref: string,
  opts: { platform?: string; auth?: SkopeoAuth } = {},
): Promise<{ lines: JsonLine[]; error: string | undefined }> {
  const i = ref.lastIndexOf(':');
  const hasTag = i > ref.lastIndexOf('/');
  const q = new URLSearchParams({
    fromImage: hasTag ? ref.slice(0, i) : ref,
    tag: hasTag ? ref.slice(i + 1) : 'latest',
  });
  if (opts.platform) q.set('platform', opts.platform);
  const r = await apiStream(socket, 'POST', `/v1.43/images/create?${q}`, { headers: registryAuthHeader(opts.auth) });
  if (r.status !== 200) return { lines: r.lines, error: r.lines[0]?.stream ?? r.raw };
  return { lines: r.lines, error: r.lines.find((l) => l.error)?.error };
}

export interface Mounted {
  dir: string;
  umount(): void;
}

/** A read-only overlay of lower dirs (top-most first), as the runtime mounts a container root. */
export function mountOverlay(lowerDirs: string[]): Mounted {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ovl-'));
  // A mount without an upper dir needs two lower dirs: add an empty one under a single layer.
  const extra = lowerDirs.length === 1 ? fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ovl-empty-')) : undefined;
  const options = `lowerdir=${[...lowerDirs, ...(extra ? [extra] : [])].join(':')}`;
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', options, dir]);
  return {
    dir,
    umount() {
      spawnSync('umount', [dir]);
      fs.rmSync(dir, { recursive: true, force: true });
      if (extra) fs.rmSync(extra, { recursive: true, force: true });
    },
  };
}

/** Run a command chrooted into `root` in new mount and PID namespaces. */
export function runInRoot(root: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('unshare', ['--mount', '--pid', '--fork', 'chroot', root, ...args], {
    encoding: 'utf8',
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    timeout: 30_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Publish an image with the given layers (tar entries, gzip) to docker://ref with skopeo. */
export interface Published {
  manifest: Descriptor;
  layers: Descriptor[];
  diffIds: string[];
}

export type LayerSpec = TarEntry[] | Buffer | { entries: TarEntry[]; compression: 'gzip' | 'zstd' | 'none' };

export async function publishImage(
  ref: string,
  layers: LayerSpec[],
  opts: { config?: Record<string, unknown>; destAuth?: SkopeoAuth; gzip?: boolean } = {},
): Promise<Published> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-publish-'));
  try {
    const w = new OciLayoutWriter(dir);
    const descs = [];
    for (const l of layers) {
      if (!Buffer.isBuffer(l) && !Array.isArray(l)) {
        const tar = await makeTar(l.entries);
        if (l.compression === 'zstd') {
          const z = execFileSync('zstd', ['-q', '-c'], { input: tar });
          descs.push({
            desc: w.writeBlob(z, 'application/vnd.oci.image.layer.v1.tar+zstd'),
            diffId: `sha256:${sha256(tar)}`,
          });
        } else descs.push(w.addLayer(tar, l.compression === 'gzip'));
        continue;
      }
      descs.push(w.addLayer(Buffer.isBuffer(l) ? l : await makeTar(l), opts.gzip ?? true));
    }
    const img = w.addImage(descs, {
      architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
      config: opts.config ?? {},
    });
    w.tag('img', img);
    await skopeoCopy(`oci:${dir}:img`, `docker://${ref}`, opts.destAuth ? { destAuth: opts.destAuth } : {});
    return { manifest: img, layers: descs.map((x) => x.desc), diffIds: descs.map((x) => x.diffId) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every blob file's name matches its content's sha256 (nothing partial or wrong is visible). */
export function verifyBlobs(dataRoot: string): { count: number; bad: string[] } {
  const dir = path.join(dataRoot, 'image', 'content', 'blobs', 'sha256');
  const bad: string[] = [];
  let count = 0;
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    count++;
    const sum = execFileSync('sha256sum', [path.join(dir, name)])
      .toString()
      .split(' ')[0];
    if (sum !== name) bad.push(name);
  }
  return { count, bad };
}
