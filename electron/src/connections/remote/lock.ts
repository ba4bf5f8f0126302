/**
 * The install lock on a host: two app instances (or two windows) setting up the same install
 * root take turns. A remote script holds flock(1) on <root>/.install.lock while it waits for its
 * stdin to close, so the lock goes away with the app's channel even if the app dies: no stale
 * locks. Hosts without flock fall back to a lock directory, taken over when older than 10 minutes.
 */
import { ConnectionFailure } from '../errors';
import { withTimeout } from '../transport/deadline';
import { script, type ProcessHost, type Release } from './host';

const LOCK_SCRIPT = script(
  'mkdir -p "$1" || exit 3',
  'l="$1/.install.lock"',
  'if command -v flock >/dev/null 2>&1; then exec 9>"$l" || exit 3; flock -w "$2" 9 || exit 4; echo LOCKED; cat >/dev/null; exit 0; fi',
  'd="$l.d"',
  'n=0',
  'while ! mkdir "$d" 2>/dev/null; do if [ -n "$(find "$d" -maxdepth 0 -mmin +10 2>/dev/null)" ]; then rmdir "$d" 2>/dev/null; continue; fi; n=$((n+1)); if [ "$n" -gt "$2" ]; then exit 4; fi; sleep 1; done',
  'echo LOCKED',
  'cat >/dev/null',
  'rmdir "$d"',
);

export type { Release } from './host';

/** The lock held by a script running on the host (for hosts that run one process per command). */
export async function lockWithProcess(host: ProcessHost, root: string, waitMs: number): Promise<Release> {
  const waitS = Math.max(1, Math.ceil(waitMs / 1000));
  const proc = await host.start(LOCK_SCRIPT, [root, String(waitS)], 30_000);
  let stderr = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d: string) => (stderr += d.slice(0, 2000)));
  const locked = new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => {
      out += d;
      if (out.includes('LOCKED')) resolve();
    });
    void proc.exited.then((code) => {
      if (code === 4) {
        reject(
          new ConnectionFailure(
            'InstallFailed',
            `another Berth install on ${host.label} is still running after ${waitS} s; try again later`,
          ),
        );
      } else {
        reject(
          new ConnectionFailure(
            'InstallFailed',
            `cannot lock ${root} on ${host.label} (exit ${code}): ${stderr.trim() || 'no message'}`,
          ),
        );
      }
    });
  });
  try {
    await withTimeout(locked, waitMs + 15_000, `waiting for the install lock on ${host.label}`);
  } catch (err) {
    proc.kill();
    throw err;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    proc.stdin.end();
    await withTimeout(proc.exited, 5000, 'releasing the install lock').catch(() => proc.kill());
  };
}
