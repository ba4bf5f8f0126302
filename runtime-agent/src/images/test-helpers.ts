/**
 * Helpers for this module's unit tests (runtime-agent cannot import test/support): tar archives
 * written exactly as given, including hostile names, and a root check.
 */
import { describe } from 'vitest';
import type { EntryType } from './tar/reader';
import { packEntries, type TarWriteEntry } from './tar/writer';

export interface TestEntry {
  name: string;
  type?: EntryType;
  content?: Buffer | string;
  mode?: number;
  uid?: number;
  gid?: number;
  linkname?: string;
  mtime?: Date;
  devmajor?: number;
  devminor?: number;
  /** Extra PAX records (xattrs as "SCHILY.xattr.NAME"). */
  xattrs?: Record<string, string>;
}

export const FIXED_MTIME = new Date('2024-01-01T00:00:00Z');

export async function makeTar(entries: TestEntry[]): Promise<Buffer> {
  const list: TarWriteEntry[] = entries.map((e) => {
    const type = e.type ?? 'file';
    const body = e.content === undefined ? undefined : Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content);
    return {
      header: {
        name: e.name,
        type,
        mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
        uid: e.uid ?? 0,
        gid: e.gid ?? 0,
        size: type === 'file' ? (body?.length ?? 0) : 0,
        mtime: Math.floor((e.mtime ?? FIXED_MTIME).getTime() / 1000),
        linkname: e.linkname,
        devmajor: e.devmajor,
        devminor: e.devminor,
        xattrs: e.xattrs ? new Map(Object.entries(e.xattrs).map(([k, v]) => [k, Buffer.from(v)])) : undefined,
      },
      body,
    };
  });
  const parts: Buffer[] = [];
  for await (const c of packEntries(list)) parts.push(c);
  return Buffer.concat(parts);
}

export const isRoot = process.getuid?.() === 0;

/** describe() for tests that need root (mknod, trusted xattrs, chown); skipped otherwise. */
export function describeRoot(name: string, fn: () => void): void {
  if (isRoot) describe(name, fn);
  else describe.skip(`${name} (skipped: needs root)`, fn);
}
