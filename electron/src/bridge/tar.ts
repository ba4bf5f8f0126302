/**
 * A small ustar writer for the browser (and the sandboxed preload): packs a folder the user picked
 * into the tar the engine's build API takes. Long names use the ustar prefix field, or a PAX header.
 */
import type { UploadFile } from '../contract/bridge';

const BLOCK = 512;
const enc = new TextEncoder();

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** Where a name goes in a ustar header: prefix + name, or undefined when it needs a PAX path. */
function ustarName(name: string): { prefix: string; base: string } | undefined {
  if (enc.encode(name).length <= 100) return { prefix: '', base: name };
  const trimmed = name.endsWith('/') ? name.slice(0, -1) : name;
  const cut = trimmed.lastIndexOf('/');
  if (cut <= 0) return undefined;
  const prefix = name.slice(0, cut);
  const base = name.slice(cut + 1);
  return enc.encode(prefix).length <= 155 && enc.encode(base).length <= 100 ? { prefix, base } : undefined;
}

function header(name: string, size: number, mode: number, type: '0' | '5' | 'x', mtime: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const put = (s: string, off: number, len: number): void => {
    h.set(enc.encode(s).subarray(0, len), off);
  };
  const n = ustarName(name) ?? { prefix: '', base: name.slice(-100) };
  put(n.base, 0, 100);
  put(octal(mode & 0o7777, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(mtime, 12), 136, 12);
  put('        ', 148, 8);
  put(type, 156, 1);
  put('ustar\x0000', 257, 8);
  put(n.prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  put(octal(sum, 7) + ' ', 148, 8);
  return h;
}

function pax(name: string, mtime: number): Uint8Array[] {
  const record = (k: string, v: string): string => {
    const body = ` ${k}=${v}\n`;
    let len = body.length + 1;
    while (String(len).length + enc.encode(body).length !== len) len = String(len).length + enc.encode(body).length;
    return `${len}${body}`;
  };
  const data = enc.encode(record('path', name));
  return [
    header('PaxHeader', data.length, 0o644, 'x', mtime),
    data,
    new Uint8Array((BLOCK - (data.length % BLOCK)) % BLOCK),
  ];
}

export function packTar(files: UploadFile[]): ArrayBuffer {
  const parts: Uint8Array[] = [];
  const mtime = Math.floor(Date.now() / 1000);
  const dirs = new Set<string>();
  for (const f of files) {
    const name = f.path.replace(/^\/+/, '').replace(/\\/g, '/');
    if (!name || name.split('/').includes('..')) throw new Error(`bad path in upload: ${f.path}`);
    const segs = name.split('/');
    for (let i = 1; i < segs.length; i++) {
      const d = segs.slice(0, i).join('/') + '/';
      if (dirs.has(d)) continue;
      dirs.add(d);
      if (!ustarName(d)) parts.push(...pax(d, mtime));
      parts.push(header(d, 0, 0o755, '5', mtime));
    }
    const data = new Uint8Array(f.data);
    if (!ustarName(name)) parts.push(...pax(name, mtime));
    parts.push(
      header(name, data.length, f.mode ?? 0o644, '0', mtime),
      data,
      new Uint8Array((BLOCK - (data.length % BLOCK)) % BLOCK),
    );
  }
  parts.push(new Uint8Array(BLOCK * 2));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out.buffer;
}
