/**
 * Test images built offline from Debian's busybox-static, written as one OCI layout:
 *  - busybox:latest     one layer: busybox, its applet links, /etc/passwd and /etc/group
 *  - multilayer:latest  busybox + a layer of files + a layer that deletes a file (whiteout)
 *                       and replaces a directory (opaque dir)
 *  - multiarch:latest   an index with linux/amd64 and linux/arm64 manifests
 * Built once per busybox binary and fixture version, cached under the system temp dir.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OciLayoutWriter, sha256, type Descriptor } from './oci-layout';
import { makeTar, type TarEntry } from './tar';

const FIXTURE_VERSION = '3';

export const BUSYBOX_PATHS = ['/usr/bin/busybox', '/bin/busybox'];

export function busyboxBinary(): string {
  for (const p of BUSYBOX_PATHS) {
    if (fs.existsSync(p)) return fs.realpathSync(p);
  }
  throw new Error('busybox not found: install Debian package busybox-static');
}

export const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'daemon:x:1:1:daemon:/usr/sbin:/bin/false',
  'berth:x:1000:1000:Berth test user:/home/berth:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
  '',
].join('\n');

export const GROUP = [
  'root:x:0:',
  'daemon:x:1:',
  'tty:x:5:',
  'staff:x:50:berth',
  'berth:x:1000:',
  'nogroup:x:65534:',
  '',
].join('\n');

/** The busybox root file system as tar entries (applets are symlinks to /bin/busybox). */
export function busyboxRootfsEntries(): TarEntry[] {
  const bin = busyboxBinary();
  const applets = execFileSync(bin, ['--list-full']).toString().split('\n').filter(Boolean);
  const dirs = new Set([
    'bin',
    'sbin',
    'usr',
    'usr/bin',
    'usr/sbin',
    'etc',
    'proc',
    'sys',
    'dev',
    'home',
    'var',
    'var/tmp',
    'tmp',
    'root',
    'home/berth',
  ]);
  for (const a of applets) {
    let d = path.posix.dirname(a);
    while (d !== '.' && d !== '') {
      dirs.add(d);
      d = path.posix.dirname(d);
    }
  }
  const entries: TarEntry[] = [];
  for (const d of [...dirs].sort()) {
    const mode = d === 'tmp' || d === 'var/tmp' ? 0o1777 : d === 'root' ? 0o700 : 0o755;
    const owner = d === 'home/berth' ? { uid: 1000, gid: 1000 } : {};
    entries.push({ name: d + '/', type: 'directory', mode, ...owner });
  }
  entries.push({ name: 'bin/busybox', content: fs.readFileSync(bin), mode: 0o755 });
  for (const a of applets.sort()) {
    if (a === 'bin/busybox') continue;
    entries.push({ name: a, type: 'symlink', linkname: '/bin/busybox' });
  }
  entries.push({ name: 'etc/passwd', content: PASSWD });
  entries.push({ name: 'etc/group', content: GROUP });
  return entries;
}

export interface FixtureLayout {
  dir: string;
  refs: { busybox: string; multilayer: string; multiarch: string };
  /** Digests to compare against what a registry or the agent reports. */
  digests: { busybox: string; multilayer: string; multiarch: string; amd64: string; arm64: string };
}

export const MULTILAYER_L1: TarEntry[] = [
  { name: 'data/', type: 'directory' },
  { name: 'data/keep.txt', content: 'keep\n' },
  { name: 'data/gone.txt', content: 'gone\n' },
  { name: 'data/owned.txt', content: 'owned\n', mode: 0o600, uid: 1000, gid: 1000 },
  { name: 'data/hard.txt', type: 'link', linkname: 'data/keep.txt' },
  { name: 'data/link', type: 'symlink', linkname: 'keep.txt' },
  { name: 'data/dir/', type: 'directory' },
  { name: 'data/dir/old1.txt', content: 'old1\n' },
  { name: 'data/dir/sub/', type: 'directory' },
  { name: 'data/dir/sub/old2.txt', content: 'old2\n' },
];

export const MULTILAYER_L2: TarEntry[] = [
  { name: 'data/', type: 'directory' },
  { name: 'data/.wh.gone.txt', content: '' },
  { name: 'data/dir/', type: 'directory', mode: 0o750 },
  { name: 'data/dir/.wh..wh..opq', content: '' },
  { name: 'data/dir/new.txt', content: 'new\n' },
];

let built: Promise<FixtureLayout> | undefined;

export function fixtureLayout(): Promise<FixtureLayout> {
  built ??= buildFixtureLayout();
  return built;
}

async function buildFixtureLayout(): Promise<FixtureLayout> {
  const key = sha256(fs.readFileSync(busyboxBinary())).slice(0, 16) + '-' + FIXTURE_VERSION;
  const dir = path.join(os.tmpdir(), 'berth-fixtures', key);
  const metaPath = path.join(dir, 'fixture.json');
  if (fs.existsSync(metaPath)) return JSON.parse(fs.readFileSync(metaPath, 'utf8')) as FixtureLayout;

  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const w = new OciLayoutWriter(tmp);
  const bbLayer = w.addLayer(await makeTar(busyboxRootfsEntries()));
  const baseConfig = { Env: [PATH_ENV], Cmd: ['sh'] };

  const busybox = w.addImage([bbLayer], { architecture: 'amd64', config: baseConfig });
  w.tag('busybox', busybox);

  const l1 = w.addLayer(await makeTar(MULTILAYER_L1));
  const l2 = w.addLayer(await makeTar(MULTILAYER_L2));
  const multilayer = w.addImage([bbLayer, l1, l2], {
    architecture: 'amd64',
    config: { ...baseConfig, WorkingDir: '/data', Labels: { 'org.berth.test': 'multilayer' } },
  });
  w.tag('multilayer', multilayer);

  const platLayer = async (p: string): Promise<{ desc: Descriptor; diffId: string }> =>
    w.addLayer(
      await makeTar([
        { name: 'etc/', type: 'directory' },
        { name: 'etc/berth-platform', content: p + '\n' },
      ]),
    );
  const amd64 = w.addImage([bbLayer, await platLayer('linux/amd64')], { architecture: 'amd64', config: baseConfig });
  const arm64 = w.addImage([await platLayer('linux/arm64')], {
    architecture: 'arm64',
    variant: 'v8',
    config: baseConfig,
  });
  const multiarch = w.addIndex([amd64, arm64]);
  w.tag('multiarch', multiarch);

  const layout: FixtureLayout = {
    dir,
    refs: { busybox: 'busybox', multilayer: 'multilayer', multiarch: 'multiarch' },
    digests: {
      busybox: busybox.digest,
      multilayer: multilayer.digest,
      multiarch: multiarch.digest,
      amd64: amd64.digest,
      arm64: arm64.digest,
    },
  };
  fs.writeFileSync(path.join(tmp, 'fixture.json'), JSON.stringify(layout, null, 2));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return layout;
}
