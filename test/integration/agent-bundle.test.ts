/**
 * The agent bundle as `npm run build:agent` makes it: for linux-x64 and linux-arm64, the Node
 * runtime and koffi built for that CPU (ELF machine checked), berthd and its init bundles, a
 * SHA256SUMS that covers every file, a bundle id, and archives that are byte-for-byte the same
 * when rebuilt. The host's bundle really runs: `berthd --version` and `stdio-mux --help` with the
 * bundled Node (ssh2 in pure JS, no native addon needed).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { extract } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgentBundle, type BundleIndex } from '../../build/agent-bundle.mjs';
import { bundleVersion } from '../support/agent-bundle';
import { distDir, repoRoot } from '../support/env';

const ELF_MACHINE: Record<string, number> = { x64: 62, arm64: 183 };

async function readArchive(file: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      if (header.type === 'file') out.set(header.name, Buffer.concat(chunks));
      next();
    });
  });
  await pipeline(fs.createReadStream(file), zlib.createGunzip(), ex);
  return out;
}

describe('agent bundle (npm run build:agent)', () => {
  let out: string;
  let bundle: BundleIndex;
  beforeAll(async () => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-agent-bundle-'));
    ({ bundle } = await buildAgentBundle({
      root: repoRoot,
      dist: distDir,
      version: bundleVersion,
      outDir: out,
      log: () => undefined,
    }));
  }, 600_000);
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('has linux-x64 and linux-arm64 with the build Node major', () => {
    expect(Object.keys(bundle.targets).sort()).toEqual(['arm64', 'x64']);
    expect(bundle.version).toBe(bundleVersion);
    expect(bundle.node.split('.')[0]).toBe(process.versions.node.split('.')[0]);
  });

  for (const arch of ['x64', 'arm64']) {
    it(`linux-${arch}: every file for this CPU, listed with its sha256`, async () => {
      const t = bundle.targets[arch]!;
      const files = new Map<string, Buffer>();
      for (const a of t.archives) {
        const file = path.join(out, a.file);
        expect(crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')).toBe(a.sha256);
        for (const [k, v] of await readArchive(file)) files.set(k, v);
      }
      const sums = files.get('SHA256SUMS')!.toString();
      const listed = sums
        .trim()
        .split('\n')
        .map((l) => l.split('  ') as [string, string]);
      expect(listed.map(([, f]) => f).sort()).toEqual(
        [...files.keys()].filter((f) => !['SHA256SUMS', 'manifest.json', 'BUNDLE-ID'].includes(f)).sort(),
      );
      for (const [sum, f] of listed)
        expect(crypto.createHash('sha256').update(files.get(f)!).digest('hex'), f).toBe(sum);
      expect(files.get('BUNDLE-ID')!.toString().trim()).toBe(t.id);
      for (const f of ['node', `native/linux_${arch}/koffi.node`]) {
        const head = files.get(f)!;
        expect(head.readUInt32BE(0), f).toBe(0x7f454c46);
        expect(head.readUInt16LE(18), f).toBe(ELF_MACHINE[arch]);
      }
      expect(files.has('berthd.cjs')).toBe(true);
      for (const f of fs.readdirSync(path.join(distDir, 'agent')).filter((n) => n.endsWith('.cjs'))) {
        expect(files.has(f), f).toBe(true);
      }
      const manifest = JSON.parse(files.get('manifest.json')!.toString()) as {
        version: string;
        arch: string;
        id: string;
      };
      expect(manifest).toMatchObject({ version: bundleVersion, arch, id: t.id });
    });
  }

  it('rebuilding gives the same archives', async () => {
    const again = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-agent-bundle-'));
    try {
      const r = await buildAgentBundle({
        root: repoRoot,
        dist: distDir,
        version: bundleVersion,
        outDir: again,
        arches: ['x64'],
        log: () => undefined,
      });
      expect(r.bundle.targets.x64!.archives.map((a) => a.sha256)).toEqual(
        bundle.targets.x64!.archives.map((a) => a.sha256),
      );
    } finally {
      fs.rmSync(again, { recursive: true, force: true });
    }
  });

  it(`the ${process.arch} bundle runs with its own Node: version, stdio-mux`, async () => {
    const t = bundle.targets[process.arch]!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-agent-run-'));
    try {
      for (const a of t.archives) execFileSync('tar', ['-xzf', path.join(out, a.file), '-C', dir]);
      execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: dir });
      const env = { PATH: '/usr/bin:/bin' };
      expect(execFileSync(path.join(dir, 'node'), ['--version'], { env }).toString().trim()).toBe(`v${bundle.node}`);
      expect(
        execFileSync(path.join(dir, 'node'), [path.join(dir, 'berthd.cjs'), '--version'], { env }).toString(),
      ).toContain(`Berth version ${bundleVersion}`);
      // stdio-mux loads ssh2 (bundled, pure JS); its stdout is for SSH only, so help goes to stderr.
      const help = spawnSync(path.join(dir, 'node'), [path.join(dir, 'berthd.cjs'), 'stdio-mux', '--help'], { env });
      expect(help.status).toBe(0);
      expect(help.stdout.toString()).toBe('');
      expect(help.stderr.toString()).toContain('Usage: berthd stdio-mux');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
