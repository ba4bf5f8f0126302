/**
 * Extract a tar into a directory of a container's file system (docker cp into a container):
 * every entry's parent is resolved inside the container root (symlinks of the container are
 * followed within it, never out), the final component is never followed, `..` cannot escape.
 * Ownership is root's unless copyUIDGID; device nodes are refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { extract } from 'tar-stream';
import { InvalidArgument } from '../../errdefs';
import { resolveInRoot } from './secure-join';

export interface UnpackOptions {
  /** Container root on the host (e.g. /proc/<pid>/root or a mounted rootfs). */
  root: string;
  /** Destination directory, a container path. */
  dest: string;
  copyUIDGID: boolean;
  noOverwriteDirNonDir: boolean;
}

function cleanName(name: string): string {
  const n = path.posix.normalize('/' + name).slice(1);
  return n.endsWith('/') ? n.slice(0, -1) : n;
}

export function unpackInto(input: NodeJS.ReadableStream, o: UnpackOptions): Promise<void> {
  const x = extract();
  const dirTimes: Array<{ p: string; mtime: Date }> = [];
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      x.destroy();
      reject(err);
    };
    x.on('entry', (h, stream, next) => {
      const go = async (): Promise<void> => {
        const rel = cleanName(h.name);
        if (rel === '' && h.type === 'directory') {
          stream.resume();
          return;
        }
        if (rel === '') throw new InvalidArgument(`invalid tar entry name "${h.name}"`);
        const parent = resolveInRoot(o.root, path.posix.join(o.dest, path.posix.dirname(rel)), { followFinal: true });
        fs.mkdirSync(parent, { recursive: true });
        const target = path.join(parent, path.posix.basename(rel));
        let existing: fs.Stats | undefined;
        try {
          existing = fs.lstatSync(target);
        } catch {
          existing = undefined;
        }
        const uid = o.copyUIDGID ? (h.uid ?? 0) : 0;
        const gid = o.copyUIDGID ? (h.gid ?? 0) : 0;
        const mode = (h.mode ?? 0o644) & 0o7777;
        if (h.type === 'directory') {
          if (existing && !existing.isDirectory()) {
            if (o.noOverwriteDirNonDir)
              throw new InvalidArgument(`cannot overwrite non-directory "${rel}" with directory`);
            fs.rmSync(target, { force: true });
            existing = undefined;
          }
          if (!existing) fs.mkdirSync(target, { mode });
          fs.lchownSync(target, uid, gid);
          fs.chmodSync(target, mode);
          dirTimes.push({ p: target, mtime: h.mtime ?? new Date() });
          stream.resume();
          return;
        }
        if (existing?.isDirectory()) {
          if (o.noOverwriteDirNonDir)
            throw new InvalidArgument(`cannot overwrite directory "${rel}" with non-directory`);
          fs.rmSync(target, { recursive: true, force: true });
        } else if (existing) fs.unlinkSync(target);
        switch (h.type) {
          case 'file':
          case 'contiguous-file': {
            const fd = fs.openSync(
              target,
              fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
              0o600,
            );
            const out = fs.createWriteStream('', { fd });
            await new Promise<void>((res, rej) => {
              stream.pipe(out);
              out.on('finish', res);
              out.on('error', rej);
              stream.on('error', rej);
            });
            break;
          }
          case 'symlink':
            stream.resume();
            fs.symlinkSync(h.linkname ?? '', target);
            break;
          case 'link': {
            stream.resume();
            const from = resolveInRoot(o.root, path.posix.join(o.dest, cleanName(h.linkname ?? '')));
            const st = fs.lstatSync(from);
            if (st.isDirectory()) throw new InvalidArgument(`hard link to a directory: "${rel}"`);
            fs.linkSync(from, target);
            break;
          }
          case 'fifo':
            stream.resume();
            throw new InvalidArgument(`named pipes are not copied: "${rel}"`);
          default:
            stream.resume();
            throw new InvalidArgument(`device files are not copied: "${rel}" (${h.type})`);
        }
        fs.lchownSync(target, uid, gid);
        // After the chown, which clears setuid and setgid bits on a file.
        if (h.type === 'file' || h.type === 'contiguous-file') fs.chmodSync(target, mode);
        if (h.type !== 'symlink' && h.mtime) fs.utimesSync(target, h.mtime, h.mtime);
      };
      go().then(
        () => next(),
        (err: unknown) => fail(err),
      );
    });
    x.on('finish', () => {
      if (failed) return;
      for (const d of dirTimes.reverse()) {
        try {
          fs.utimesSync(d.p, d.mtime, d.mtime);
        } catch {
          /* best effort */
        }
      }
      resolve();
    });
    x.on('error', (err) => fail(new InvalidArgument(`invalid tar archive: ${err.message}`)));
    input.on('error', fail);
    input.pipe(x);
  });
}
