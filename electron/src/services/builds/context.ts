/**
 * The build context as a tar stream: a folder packed on the fly (honouring .dockerignore, always
 * keeping the Dockerfile and .dockerignore, as the docker CLI does), or a tar/tar.gz file as it is.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import ignore from '@balena/dockerignore';
import { pack, type Pack } from 'tar-stream';
import { ServiceError } from '../errors';

export interface OpenedContext {
  stream: Readable;
  label: string;
  /** Removes what the context left behind (an upload's temp file). */
  release(): void;
}

/** A folder, or a tar file, on the machine the service layer runs on. */
export async function openPathContext(p: string, dockerfile: string): Promise<OpenedContext> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(p);
  } catch {
    throw new ServiceError('NotFound', `${p} does not exist`, { field: ['context', 'path'] });
  }
  const label = path.basename(p);
  if (st.isFile()) return { stream: fs.createReadStream(p), label, release: () => undefined };
  if (!st.isDirectory())
    throw new ServiceError('InvalidArgument', `${p} is neither a folder nor a tar file`, {
      field: ['context', 'path'],
    });
  const df = path.resolve(p, dockerfile);
  if (!df.startsWith(path.resolve(p) + path.sep) || !fs.existsSync(df))
    throw new ServiceError('InvalidArgument', `${dockerfile} is not in ${p}`, { field: ['dockerfile'] });
  return { stream: packDirectory(p, dockerfile), label, release: () => undefined };
}

export function packDirectory(root: string, dockerfile = 'Dockerfile'): Readable {
  const tar = pack();
  const ig = ignore();
  const ignoreFile = path.join(root, '.dockerignore');
  if (fs.existsSync(ignoreFile)) ig.add(fs.readFileSync(ignoreFile, 'utf8'));
  const keep = new Set([dockerfile.split(path.sep).join('/'), '.dockerignore']);
  walk(tar, root, '', ig, keep).then(
    () => tar.finalize(),
    (err: unknown) => tar.destroy(err as Error),
  );
  return tar as unknown as Readable;
}

async function walk(
  tar: Pack,
  root: string,
  rel: string,
  ig: ReturnType<typeof ignore>,
  keep: Set<string>,
): Promise<void> {
  const dir = path.join(root, rel);
  const entries = await fs.promises.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const name = rel ? `${rel}/${e.name}` : e.name;
    if (!keep.has(name) && ig.ignores(name)) continue;
    const full = path.join(root, name);
    const st = await fs.promises.lstat(full);
    const header = { name, mode: st.mode & 0o7777, mtime: st.mtime, uid: 0, gid: 0 };
    if (st.isDirectory()) {
      await entry(tar, { ...header, type: 'directory' });
      await walk(tar, root, name, ig, keep);
    } else if (st.isSymbolicLink()) {
      await entry(tar, { ...header, type: 'symlink', linkname: await fs.promises.readlink(full) });
    } else if (st.isFile()) {
      await fileEntry(tar, { ...header, type: 'file', size: st.size }, full);
    }
  }
}

function entry(tar: Pack, header: Parameters<Pack['entry']>[0]): Promise<void> {
  return new Promise((resolve, reject) => tar.entry(header, (err) => (err ? reject(err) : resolve())));
}

function fileEntry(tar: Pack, header: Parameters<Pack['entry']>[0], file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const sink = tar.entry(header, (err) => (err ? reject(err) : resolve()));
    const src = fs.createReadStream(file);
    src.on('error', (err) => {
      sink.destroy(err);
      reject(err);
    });
    src.pipe(sink);
  });
}
