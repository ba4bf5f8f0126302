// The agent bundle: what the desktop app uploads to a remote Linux host (SSH) or copies into a
// WSL2 distro. One folder per target architecture, each with two gzip'd tarballs that unpack
// into the same install directory:
//   node-v<node>-linux-<arch>.tar.gz      node, LICENSE.node        (npm: node-linux-<arch>)
//   berth-agent-<version>-linux-<arch>.tar.gz
//       berthd.cjs, init*.cjs …            (dist/agent, built by build.mjs)
//       native/<triplet>/koffi.node         (npm: @koromix/koffi-linux-<arch>)
//       manifest.json, SHA256SUMS, BUNDLE-ID
// plus bundle.json (index: version, bundle id per arch, archive sha256 and sizes).
//
// SHA256SUMS covers every installed file (sha256sum -c format, checked on the remote before
// anything from the bundle runs); BUNDLE-ID is a digest of SHA256SUMS, so two bundles with the
// same files have the same id whatever the build machine. Archives are deterministic (sorted,
// fixed mtime, uid/gid 0). The Node runtime tarball depends only on the Node version and is cached
// (as are the npm packages) in node_modules/.cache/berth-agent-bundle or $BERTH_BUNDLE_CACHE, so
// rebuilding after an agent change only re-packs a small archive and needs no network.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { extract, pack } from 'tar-stream';

const FORMAT = 1;
const ARCHES = {
  x64: { unameMachines: ['x86_64', 'amd64'], elfMachine: 62 },
  arm64: { unameMachines: ['aarch64', 'arm64', 'armv8l', 'aarch64_be'], elfMachine: 183 },
};
// Fixed for reproducible archives (SOURCE_DATE_EPOCH wins when set).
const MTIME = new Date(Number(process.env.SOURCE_DATE_EPOCH ?? 1_700_000_000) * 1000);

export const SUPPORTED_ARCHES = Object.keys(ARCHES);

/**
 * Builds the bundle and returns { dir, bundle } (bundle = the parsed bundle.json).
 * Options: root, dist, version (required); arches (default x64 and arm64), agentDir (default
 * dist/agent), outDir (default dist/agent-bundle/<version>), cacheDir, nodeVersion (default the
 * running Node), log.
 */
export async function buildAgentBundle(opts) {
  const { root, dist, version } = opts;
  if (!root || !dist || !version) throw new Error('buildAgentBundle: root, dist and version are required');
  const arches = opts.arches ?? SUPPORTED_ARCHES;
  const agentDir = opts.agentDir ?? path.join(dist, 'agent');
  const built = agentBuildInfo(agentDir);
  const outDir = opts.outDir ?? path.join(dist, 'agent-bundle', version);
  const cacheDir =
    opts.cacheDir ?? process.env.BERTH_BUNDLE_CACHE ?? path.join(root, 'node_modules', '.cache', 'berth-agent-bundle');
  const nodeVersion = opts.nodeVersion ?? process.env.BERTH_BUNDLE_NODE_VERSION ?? process.versions.node;
  // The version and build commit are those compiled into berthd.cjs: the app compares them with
  // what a running agent reports (/version) to decide whether it can be reused.
  const log = opts.log ?? ((m) => console.log(`agent-bundle: ${m}`));
  for (const a of arches) if (!ARCHES[a]) throw new Error(`agent-bundle: unsupported arch ${a}`);

  const agentFiles = listAgentFiles(agentDir);
  if (!agentFiles.some((f) => f.rel === 'berthd.cjs')) {
    throw new Error(`agent-bundle: ${agentDir}/berthd.cjs is missing; run npm run build first`);
  }
  if (built.version !== version) {
    throw new Error(
      `agent-bundle: ${agentDir}/berthd.cjs is version ${built.version}, not ${version}; rebuild it first`,
    );
  }
  const commit = built.commit;
  const koffiVersion = readJson(path.join(root, 'node_modules', 'koffi', 'package.json')).version;
  const inputs = sha256(
    JSON.stringify({
      FORMAT,
      version,
      commit,
      nodeVersion,
      koffiVersion,
      agent: agentFiles.map((f) => [f.rel, sha256File(f.abs)]),
    }),
  );

  const indexPath = path.join(outDir, 'bundle.json');
  const previous = fs.existsSync(indexPath) ? readJson(indexPath) : undefined;
  const targets = {};
  fs.mkdirSync(outDir, { recursive: true });
  fs.mkdirSync(cacheDir, { recursive: true });
  for (const arch of arches) {
    const prev = previous?.targets?.[arch];
    if (prev && prev.inputs === inputs && prev.archives.every((a) => fileHasSha(path.join(outDir, a.file), a.sha256))) {
      targets[arch] = prev;
      continue;
    }
    const t0 = Date.now();
    targets[arch] = await buildTarget({
      arch,
      root,
      outDir,
      cacheDir,
      version,
      commit,
      nodeVersion,
      koffiVersion,
      agentFiles,
      inputs,
      log,
    });
    log(`linux-${arch}: ${targets[arch].id} in ${Date.now() - t0} ms`);
  }
  // Keep targets built earlier for other arches when they are still current.
  for (const [arch, t] of Object.entries(previous?.targets ?? {})) {
    if (!targets[arch] && t.inputs === inputs) targets[arch] = t;
  }
  const bundle = { format: FORMAT, name: 'berth-agent', version, commit, node: nodeVersion, targets };
  writeFileAtomic(indexPath, JSON.stringify(bundle, null, 2) + '\n');
  return { dir: outDir, bundle };
}

async function buildTarget(o) {
  const { arch, outDir, cacheDir, version, commit, nodeVersion, agentFiles } = o;
  const targetDir = path.join(outDir, `linux-${arch}`);
  fs.rmSync(targetDir, { recursive: true, force: true });
  fs.mkdirSync(targetDir, { recursive: true });

  const runtime = await nodeRuntime(arch, nodeVersion, cacheDir, o.log);
  const runtimeArchive = `node-v${nodeVersion}-linux-${arch}.tar.gz`;
  fs.copyFileSync(runtime.archive, path.join(targetDir, runtimeArchive));

  // Agent files: the JS bundles for every arch, the native addon for this one.
  const files = agentFiles.map((f) => ({ rel: f.rel, abs: f.abs, mode: f.rel.endsWith('berthd.cjs') ? 0o755 : 0o644 }));
  const koffiDir = await koffiPackage(arch, o.koffiVersion, o.root, cacheDir, o.log);
  for (const triplet of fs.readdirSync(koffiDir).sort()) {
    const node = path.join(koffiDir, triplet, 'koffi.node');
    if (!fs.existsSync(node)) continue;
    checkElf(node, arch);
    files.push({ rel: `native/${triplet}/koffi.node`, abs: node, mode: 0o755 });
  }
  if (!files.some((f) => f.rel === `native/linux_${arch}/koffi.node`)) {
    throw new Error(`agent-bundle: no linux_${arch}/koffi.node in ${koffiDir}`);
  }

  const entries = [
    ...runtime.files.map((f) => ({ rel: f.rel, sha256: f.sha256, size: f.size, mode: f.mode })),
    ...files.map((f) => ({ rel: f.rel, sha256: sha256File(f.abs), size: fs.statSync(f.abs).size, mode: f.mode })),
  ].sort((a, b) => (a.rel < b.rel ? -1 : 1));
  const sums = entries.map((e) => `${e.sha256}  ${e.rel}\n`).join('');
  const id = sha256(sums).slice(0, 24);
  const manifest = {
    format: FORMAT,
    name: 'berth-agent',
    version,
    commit,
    id,
    platform: 'linux',
    arch,
    node: nodeVersion,
    files: entries.map((e) => ({ path: e.rel, sha256: e.sha256, size: e.size, mode: e.mode })),
  };
  const manifestText = JSON.stringify(manifest, null, 2) + '\n';
  fs.writeFileSync(path.join(targetDir, 'manifest.json'), manifestText);

  const agentArchive = `berth-agent-${version}-linux-${arch}.tar.gz`;
  await writeTarGz(path.join(targetDir, agentArchive), [
    ...files.map((f) => ({ name: f.rel, file: f.abs, mode: f.mode })),
    { name: 'manifest.json', content: Buffer.from(manifestText), mode: 0o644 },
    { name: 'SHA256SUMS', content: Buffer.from(sums), mode: 0o644 },
    { name: 'BUNDLE-ID', content: Buffer.from(id + '\n'), mode: 0o644 },
  ]);
  const archives = [
    { role: 'runtime', file: `linux-${arch}/${runtimeArchive}` },
    { role: 'agent', file: `linux-${arch}/${agentArchive}` },
  ].map((a) => {
    const abs = path.join(outDir, a.file);
    return { ...a, sha256: sha256File(abs), size: fs.statSync(abs).size };
  });
  return {
    arch,
    id,
    inputs: o.inputs,
    unameMachines: ARCHES[arch].unameMachines,
    manifest: `linux-${arch}/manifest.json`,
    archives,
    // Bytes on disk once unpacked (the install needs this much free space, plus the archives).
    installedSize: entries.reduce((n, e) => n + e.size, 0) + manifestText.length + sums.length + id.length + 1,
  };
}

/** The Node runtime for an arch: a cached tarball holding `node` and `LICENSE.node`. */
async function nodeRuntime(arch, nodeVersion, cacheDir, log) {
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
async function koffiPackage(arch, koffiVersion, root, cacheDir, log) {
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
async function npmPack(spec, cacheDir, log) {
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

/** Extracts chosen entries of a .tgz: `pick` maps entry name → relative output path. */
async function extractFrom(tgz, destDir, pick) {
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
async function writeTarGz(file, entries) {
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

function header(h) {
  return { type: 'file', uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: MTIME, ...h };
}

function entryDone(p, h, content) {
  return new Promise((resolve, reject) => {
    const cb = (err) => (err ? reject(err) : resolve());
    if (content) p.entry(header(h), content, cb);
    else p.entry(header(h), cb);
  });
}

function listAgentFiles(agentDir) {
  if (!fs.existsSync(agentDir)) throw new Error(`agent-bundle: ${agentDir} does not exist; run npm run build first`);
  return fs
    .readdirSync(agentDir)
    .filter((n) => n.endsWith('.cjs'))
    .sort()
    .map((n) => ({ rel: n, abs: path.join(agentDir, n) }));
}

/** Refuses a binary built for another CPU (a wrong npm package would fail only on the remote). */
function checkElf(file, arch) {
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

/** Version and commit compiled into <agentDir>/berthd.cjs (from its --version line). */
function agentBuildInfo(agentDir) {
  const file = path.join(agentDir, 'berthd.cjs');
  if (!fs.existsSync(file)) return { version: '', commit: '' };
  const out = execFileSync(process.execPath, [file, '--version'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '' },
  }).toString();
  const m = /version (\S+), build (\S+)/.exec(out);
  if (!m) throw new Error(`agent-bundle: cannot read the version of ${file}: ${out.trim()}`);
  return { version: m[1].replace(/,$/, ''), commit: m[2] };
}

function sha256(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function sha256File(file) {
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

function fileHasSha(file, sha) {
  return fs.existsSync(file) && sha256File(file) === sha;
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function writeFileAtomic(file, text) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
