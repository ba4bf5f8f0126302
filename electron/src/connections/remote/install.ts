/**
 * Installs the agent bundle into <root>/<version> on a host (the caller holds the install lock):
 *   1. an install with this bundle id that passes `sha256sum -c SHA256SUMS` is kept as is;
 *   2. otherwise: check free space, upload both tarballs into a fresh <root>/.staging-XXXXXX,
 *      check their sha256, unpack, check every file against SHA256SUMS, and rename the tree into
 *      place (the old directory is moved aside first and removed after);
 *   3. afterwards, other versions' directories and leftovers of interrupted installs go.
 * Out of space (before or during the upload) is NoSpace; a damaged upload is InstallFailed.
 */
import { ConnectionFailure } from '../errors';
import type { BundleTarget } from './bundle';
import { script, uploadTimeout, type RemoteHost } from './host';

export interface InstallOptions {
  root: string;
  version: string;
  target: BundleTarget;
  /** Reinstall even when an install with the same id is present. */
  force?: boolean;
  /** Check every installed file's sha256 (default true); false trusts BUNDLE-ID alone. */
  verifyExisting?: boolean;
  commandTimeoutMs: number;
  progress?: (detail: string) => void;
}

const CHECK_SCRIPT = script(
  'command -v sha256sum >/dev/null 2>&1 || exit 12',
  `[ "$(head -c 100 "$1/BUNDLE-ID" 2>/dev/null | tr -d '\\n')" = "$2" ] || exit 10`,
  'if [ "$3" = quick ]; then exit 0; fi',
  'cd "$1" && sha256sum -c SHA256SUMS >/dev/null 2>&1 || exit 11',
);

const FREE_SCRIPT = script('mkdir -p "$1" || exit 3', 'df -Pk "$1" | { read -r _; read -r _ _ _ a _; echo "$a"; }');

const STAGE_SCRIPT = 'mktemp -d "$1/.staging-XXXXXX"';

const FINISH_SCRIPT = script(
  's=$1',
  'd=$2',
  'cd "$s" || exit 20',
  `printf '%s  %s\\n' "$3" "$4" "$5" "$6" > archives.sha256 || exit 22`,
  'sha256sum -c archives.sha256 >/dev/null 2>&1 || exit 21',
  'mkdir tree || exit 22',
  'tar -xzf "$4" -C tree || exit 22',
  'tar -xzf "$6" -C tree || exit 22',
  'rm -f "$4" "$6"',
  '(cd tree && sha256sum -c SHA256SUMS >/dev/null) || exit 23',
  'if [ -e "$d" ]; then mv "$d" "$s/previous" || exit 24; fi',
  'mv "$s/tree" "$d" || exit 24',
  'cd / && rm -rf "$s"',
);

const CLEAN_SCRIPT = script(
  'cd "$1" 2>/dev/null || exit 0',
  'for e in * .staging-* .trash-*; do [ -e "$e" ] || continue; [ "$e" = "$2" ] && continue; case "$e" in .staging-*|.trash-*) rm -rf "$e";; *) if [ -f "$e/BUNDLE-ID" ]; then rm -rf "$e"; fi;; esac; done',
);

const MiB = 1 << 20;

function mb(bytes: number): string {
  return `${Math.ceil(bytes / MiB)} MB`;
}

/** Is the install at dir this bundle, intact? (verify=false: the id alone.) */
export async function installIsCurrent(
  host: RemoteHost,
  dir: string,
  id: string,
  verify: boolean,
  timeoutMs: number,
): Promise<boolean> {
  const r = await host.run(CHECK_SCRIPT, [dir, id, verify ? 'full' : 'quick'], { timeoutMs });
  if (r.code === 12)
    throw new ConnectionFailure('InstallFailed', `${host.label} has no sha256sum (coreutils or busybox is needed)`);
  return r.code === 0;
}

async function freeBytes(host: RemoteHost, root: string, timeoutMs: number): Promise<number | undefined> {
  const r = await host.run(FREE_SCRIPT, [root], { timeoutMs });
  if (r.code === 3) {
    throw new ConnectionFailure(
      'InstallFailed',
      `cannot create ${root} on ${host.label}: ${r.stderr.trim() || 'permission denied'}`,
    );
  }
  const kb = Number.parseInt(r.stdout.trim(), 10);
  return Number.isFinite(kb) ? kb * 1024 : undefined;
}

function noSpace(host: RemoteHost, root: string, need: number, free: number | undefined): ConnectionFailure {
  const have = free === undefined ? '' : `, ${mb(free)} free`;
  return new ConnectionFailure(
    'NoSpace',
    `not enough space on ${host.label} to install the Berth agent in ${root}: it needs about ${mb(need)}${have}. Free some space (or choose another install directory) and connect again.`,
  );
}

/** Returns 'present' when the install was already there and intact, 'installed' otherwise. */
export async function ensureInstalled(host: RemoteHost, o: InstallOptions): Promise<'present' | 'installed'> {
  const dir = `${o.root.replace(/\/+$/, '')}/${o.version}`;
  const t = o.commandTimeoutMs;
  if (!o.force && (await installIsCurrent(host, dir, o.target.id, o.verifyExisting !== false, t))) return 'present';

  const archiveBytes = o.target.archives.reduce((n, a) => n + a.size, 0);
  const need = Math.ceil((archiveBytes + o.target.installedSize) * 1.05);
  const free = await freeBytes(host, o.root, t);
  if (free !== undefined && free < need) throw noSpace(host, o.root, need, free);

  const staged = await host.run(STAGE_SCRIPT, [o.root], { timeoutMs: t });
  const staging = staged.stdout.trim();
  if (staged.code !== 0 || !staging.startsWith(o.root.replace(/\/+$/, '') + '/.staging-')) {
    throw new ConnectionFailure(
      'InstallFailed',
      `cannot create a staging directory in ${o.root} on ${host.label}: ${staged.stderr.trim()}`,
    );
  }
  try {
    o.progress?.(`uploading the Berth agent (${mb(archiveBytes)})`);
    for (const a of o.target.archives) {
      try {
        await host.upload(a.path, `${staging}/${a.name}`, uploadTimeout(a.path, t));
      } catch (err) {
        const left = await freeBytes(host, o.root, t).catch(() => undefined);
        if (left !== undefined && left < a.size) throw noSpace(host, o.root, need, left + archiveBytes);
        throw err;
      }
    }
    o.progress?.('verifying and unpacking the Berth agent');
    const [first, second] = o.target.archives as [(typeof o.target.archives)[0], (typeof o.target.archives)[0]];
    const r = await host.run(FINISH_SCRIPT, [staging, dir, first.sha256, first.name, second.sha256, second.name], {
      timeoutMs: t + Math.ceil(o.target.installedSize / MiB) * 200,
    });
    if (r.code === 0) return 'installed';
    if (/no space left|disk quota/i.test(r.stderr))
      throw noSpace(host, o.root, need, await freeBytes(host, o.root, t).catch(() => undefined));
    const why: Record<number, string> = {
      21: 'the uploaded archives do not match their sha256 (the transfer was damaged)',
      22: 'unpacking the archives failed',
      23: 'the unpacked files do not match SHA256SUMS',
      24: `cannot move the new install into ${dir}`,
    };
    throw new ConnectionFailure(
      'InstallFailed',
      `installing the agent on ${host.label} failed: ${why[r.code ?? -1] ?? `exit ${r.code}`}${r.stderr.trim() ? ` (${r.stderr.trim().slice(0, 300)})` : ''}`,
    );
  } finally {
    // Gone after a successful rename; after a failure, nothing half-done is left behind.
    await host.run('rm -rf "$1"', [staging], { timeoutMs: t }).catch(() => undefined);
  }
}

/** Removes other versions' install directories and leftovers of interrupted installs. */
export async function removeOldVersions(
  host: RemoteHost,
  root: string,
  keep: string,
  timeoutMs: number,
): Promise<void> {
  await host.run(CLEAN_SCRIPT, [root, keep], { timeoutMs });
}
