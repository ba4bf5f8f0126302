/**
 * An AppImage's files live in a mount that disappears when the app exits, but the engine must
 * outlive the app. So before starting it, the engine's files (berthd, its init, native addons, the
 * Node runtime of the agent bundle and the launcher) are copied, as root, to a versioned directory
 * only root can write (/opt/berth/engine/<version>), and the engine runs from there. An existing
 * copy of the same version is reused.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface Stage {
  /** The app's resources directory (inside the AppImage mount). */
  from: string;
  /** The root-owned directory the engine runs from. */
  to: string;
  /** Entries of `from` to copy (no spaces in names). */
  items: string[];
}

/** In-process copy, for when the app itself is root. */
export function stageFiles(s: Stage): void {
  if (fs.existsSync(path.join(s.to, '.complete'))) return;
  fs.mkdirSync(s.to, { recursive: true, mode: 0o755 });
  for (const item of s.items) {
    const src = path.join(s.from, item);
    if (!fs.existsSync(src)) continue;
    const tmp = path.join(s.to, `${item}.new`);
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.cpSync(src, tmp, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    fs.rmSync(path.join(s.to, item), { recursive: true, force: true });
    fs.renameSync(tmp, path.join(s.to, item));
  }
  fs.writeFileSync(path.join(s.to, '.complete'), '');
}

/** The same copy as a shell prefix for a privileged launch (sudo/pkexec): `sh -c SCRIPT … CMD…`. */
export function stageCommand(s: Stage, then: string[]): string[] {
  const script =
    'set -e; from=$1; to=$2; items=$3; shift 3; ' +
    'if [ ! -e "$to/.complete" ]; then umask 022; mkdir -p "$to"; ' +
    'for i in $items; do [ -e "$from/$i" ] || continue; rm -rf "$to/$i.new"; cp -a "$from/$i" "$to/$i.new"; rm -rf "$to/$i"; mv "$to/$i.new" "$to/$i"; done; ' +
    ': > "$to/.complete"; fi; exec "$@"';
  return ['/bin/sh', '-c', script, 'berth-stage', s.from, s.to, s.items.join(' '), ...then];
}
