// Where the agent bundle's binaries come from: the Node runtime (npm: node-linux-<arch>) and the
// koffi native module (npm: @koromix/koffi-linux-<arch>), packed once into the bundle cache.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { extractFrom, fileHasSha, readJson, sha256File, writeFileAtomic, writeTarGz } from './bundle-archive.mjs';

export const ARCHES = {
  x64: { unameMachines: ['x86_64', 'amd64'], elfMachine: 62 },
  arm64: { unameMachines: ['aarch64', 'arm64', 'armv8l', 'aarch64_be'], elfMachine: 183 },
};

/** The Node runtime for an arch: a cached tarball holding `node` and `LICENSE.node`. */
export async function nodeRuntime(arch, nodeVersion, cacheDir, log) {
  const archive = path.join(cacheDir, `node-v${nodeVersion}-linux-${arch}.tar.gz`);
  const meta = `${archive}.json`;
  if (fs.existsSync(meta) && fs.existsSync(archive)) {
    const m = readJson(meta);
    if (fileHasSha(archive, m.sha256)) return { archive, files: m.files };
  }
  const tgz = await npmPack(`node-linux-${arch}@${nodeVersion}`, cacheDir, log);
  const work = fs.mkdtempSync(path.join(cacheDir, `.node-${arch}-`));
  try {
    await extractFrom(tgz, work, { 'package/bin/node': 'node', 'package/LICENSE': 'LICENSE.node' });
    const nodeBin = path.join(work, 'node');
    if (!fs.existsSync(nodeBin)) throw new Error(`agent-bundle: ${path.basename(tgz)} holds no bin/node`);
    checkElf(nodeBin, arch);
    const list = [
      { rel: 'node', abs: nodeBin, mode: 0o755 },
      ...(fs.existsSync(path.join(work, 'LICENSE.node'))
        ? [{ rel: 'LICENSE.node', abs: path.join(work, 'LICENSE.node'), mode: 0o644 }]
        : []),
    ];
    log(`packing the Node ${nodeVersion} runtime for linux-${arch} (once; cached)`);
    const tmp = `${archive}.tmp-${process.pid}`;
    await writeTarGz(
      tmp,
      list.map((f) => ({ name: f.rel, file: f.abs, mode: f.mode })),
    );
    const files = list.map((f) => ({
      rel: f.rel,
      sha256: sha256File(f.abs),
      size: fs.statSync(f.abs).size,
      mode: f.mode,
    }));
    fs.renameSync(tmp, archive);
    writeFileAtomic(meta, JSON.stringify({ sha256: sha256File(archive), files }, null, 2));
    return { archive, files };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The directory holding <triplet>/koffi.node for an arch: the installed package, else from npm. */
export async function koffiPackage(arch, koffiVersion, root, cacheDir, log) {
  const name = `@koromix/koffi-linux-${arch}`;
  const installed = path.join(root, 'node_modules', name);
  if (
    fs.existsSync(path.join(installed, 'package.json')) &&
    readJson(path.join(installed, 'package.json')).version === koffiVersion
  ) {
    return installed;
  }
  const dir = path.join(cacheDir, `koffi-linux-${arch}-${koffiVersion}`);
  if (fs.existsSync(path.join(dir, '.complete'))) return dir;
  const tgz = await npmPack(`${name}@${koffiVersion}`, cacheDir, log);
  fs.rmSync(dir, { recursive: true, force: true });
  await extractFrom(tgz, dir, (name) => {
    const m = /^package\/([a-z0-9_]+\/koffi\.node)$/.exec(name);
    return m ? m[1] : undefined;
  });
  fs.writeFileSync(path.join(dir, '.complete'), '');
  return dir;
}

/** `npm pack <spec>` into the cache (once); returns the .tgz path. */
export async function npmPack(spec, cacheDir, log) {
  const at = spec.lastIndexOf('@');
  const name = spec.slice(0, at);
  const ver = spec.slice(at + 1);
  const file = path.join(cacheDir, `${name.replace(/^@/, '').replace('/', '-')}-${ver}.tgz`);
  if (fs.existsSync(file)) return file;
  log(`fetching ${spec} from the npm registry`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  let out;
  try {
    out = execFileSync(npm, ['pack', spec, '--json', '--pack-destination', cacheDir], {
      cwd: cacheDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
      maxBuffer: 64 * 1024 * 1024,
    }).toString();
  } catch (err) {
    const stderr = err.stderr?.toString() ?? '';
    throw new Error(
      `agent-bundle: npm pack ${spec} failed (is the npm registry reachable?): ${stderr.trim() || err.message}`,
      {
        cause: err,
      },
    );
  }
  const filename = JSON.parse(out)[0]?.filename;
  const got = filename ? path.join(cacheDir, filename) : undefined;
  if (!got || !fs.existsSync(got)) throw new Error(`agent-bundle: npm pack ${spec} wrote no tarball`);
  if (got !== file) fs.renameSync(got, file);
  return file;
}

/** Refuses a binary built for another CPU (a wrong npm package would fail only on the remote). */
export function checkElf(file, arch) {
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(20);
  fs.readSync(fd, head, 0, 20, 0);
  fs.closeSync(fd);
  if (head.readUInt32BE(0) !== 0x7f454c46) throw new Error(`agent-bundle: ${file} is not an ELF file`);
  const machine = head.readUInt16LE(18);
  if (machine !== ARCHES[arch].elfMachine) {
    throw new Error(`agent-bundle: ${file} is for ELF machine ${machine}, not linux-${arch}`);
  }
}
