// Deterministic tar.gz archives and file digests for the agent bundle (see agent-bundle.mjs).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { extract, pack } from 'tar-stream';

// Fixed for reproducible archives (SOURCE_DATE_EPOCH wins when set).
const MTIME = new Date(Number(process.env.SOURCE_DATE_EPOCH ?? 1_700_000_000) * 1000);

/** Extracts chosen entries of a .tgz: `pick` maps entry name → relative output path. */
export async function extractFrom(tgz, destDir, pick) {
  const choose = typeof pick === 'function' ? pick : (n) => pick[n];
  fs.mkdirSync(destDir, { recursive: true });
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const rel = header.type === 'file' ? choose(header.name) : undefined;
    if (!rel) {
      stream.on('end', next);
      stream.resume();
      return;
    }
    const out = path.join(destDir, rel);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    pipeline(stream, fs.createWriteStream(out, { mode: header.mode & 0o777 })).then(() => next(), next);
  });
  await pipeline(fs.createReadStream(tgz), zlib.createGunzip(), ex);
}

/** Writes a deterministic tar.gz: entries in the given order, fixed mtime, root-owned. */
export async function writeTarGz(file, entries) {
  const p = pack();
  const out = pipeline(p, zlib.createGzip({ level: 6 }), fs.createWriteStream(file));
  const dirs = new Set();
  for (const e of entries) {
    const parts = e.name.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (dirs.has(d)) continue;
      dirs.add(d);
      await entryDone(p, { name: d + '/', type: 'directory', mode: 0o755 });
    }
    if (e.content) {
      await entryDone(p, { name: e.name, mode: e.mode, size: e.content.length }, e.content);
    } else {
      const size = fs.statSync(e.file).size;
      await new Promise((resolve, reject) => {
        const sink = p.entry(header({ name: e.name, mode: e.mode, size }), (err) => (err ? reject(err) : resolve()));
        fs.createReadStream(e.file).on('error', reject).pipe(sink);
      });
    }
  }
  p.finalize();
  await out;
}

export function header(h) {
  return { type: 'file', uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: MTIME, ...h };
}

export function entryDone(p, h, content) {
  return new Promise((resolve, reject) => {
    const cb = (err) => (err ? reject(err) : resolve());
    if (content) p.entry(header(h), content, cb);
    else p.entry(header(h), cb);
  });
}

export function sha256(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

export function sha256File(file) {
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

export function fileHasSha(file, sha) {
  return fs.existsSync(file) && sha256File(file) === sha;
}

export function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

export function writeFileAtomic(file, text) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
