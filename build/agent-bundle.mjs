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
import fs from 'node:fs';
import path from 'node:path';
import { fileHasSha, readJson, sha256, sha256File, writeFileAtomic, writeTarGz } from './bundle-archive.mjs';
import { ARCHES, checkElf, koffiPackage, nodeRuntime } from './bundle-sources.mjs';

const FORMAT = 1;

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

function listAgentFiles(agentDir) {
  if (!fs.existsSync(agentDir)) throw new Error(`agent-bundle: ${agentDir} does not exist; run npm run build first`);
  return fs
    .readdirSync(agentDir)
    .filter((n) => n.endsWith('.cjs'))
    .sort()
    .map((n) => ({ rel: n, abs: path.join(agentDir, n) }));
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
