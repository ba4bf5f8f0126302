/**
 * The agent bundle's own identity and integrity, as installed by the desktop app: BUNDLE-ID and
 * SHA256SUMS sit beside berthd.cjs (build/agent-bundle.mjs writes them). Run from a source tree
 * or dist/agent there are none: the id is "dev" and there is nothing to verify.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface InstallIdentity {
  /** Directory holding berthd.cjs (the install directory for a bundle). */
  dir: string;
  /** The bundle id, or "dev" outside a bundle. */
  bundleId: string;
  /** True when SHA256SUMS is present (a bundle install). */
  bundled: boolean;
}

export function installIdentity(script = process.argv[1] ?? ''): InstallIdentity {
  const dir = path.dirname(path.resolve(script));
  try {
    const id = fs.readFileSync(path.join(dir, 'BUNDLE-ID'), 'utf8').trim();
    if (/^[0-9a-f]{8,64}$/.test(id)) return { dir, bundleId: id, bundled: fs.existsSync(path.join(dir, 'SHA256SUMS')) };
  } catch {
    /* not a bundle */
  }
  return { dir, bundleId: 'dev', bundled: false };
}

export interface VerifyResult {
  ok: boolean;
  /** Files missing or with another sha256 (relative paths). */
  bad: string[];
}

function sha256File(file: string): string {
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

/** Checks every file listed in SHA256SUMS (the `sha256sum -c` format). */
export function verifyInstall(dir: string): VerifyResult {
  let sums: string;
  try {
    sums = fs.readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8');
  } catch {
    return { ok: false, bad: ['SHA256SUMS'] };
  }
  const bad: string[] = [];
  for (const line of sums.split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) continue;
    const rel = m[2]!;
    const file = path.join(dir, rel);
    if (!file.startsWith(dir + path.sep)) {
      bad.push(rel);
      continue;
    }
    try {
      if (sha256File(file) !== m[1]) bad.push(rel);
    } catch {
      bad.push(rel);
    }
  }
  return { ok: bad.length === 0, bad };
}
