/**
 * For tests of the desktop app's engine supervisor: find and stop the berthd a test made the app
 * start (it runs detached, so it outlives the app by design and a test must end it itself).
 */
import fs from 'node:fs';
import path from 'node:path';
import { removeCgroupParent } from './berthd';

/** Pids of berthd processes whose command line mentions `needle` (a socket or data root). */
export function berthdPids(needle: string): number[] {
  const pids: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes('berthd') && cmd.includes(needle)) pids.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM every berthd matching `needle`, then SIGKILL after `graceMs`; resolves when all are gone. */
export async function stopBerthds(needle: string, graceMs = 10_000): Promise<void> {
  const pids = berthdPids(needle);
  for (const p of pids) process.kill(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(alive)) {
    if (Date.now() > deadline) for (const p of pids.filter(alive)) process.kill(p, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
  }
  // Engines the app starts use the default cgroup parent: remove it once it is empty again (the
  // kernel keeps a parent that an engine elsewhere still uses).
  if (pids.length) removeCgroupParent('berth');
}

/** A stand-in for sudo(8), which Debian's test image does not have: `-n` fails (a password is
 * needed); `-S -p '' -- CMD…` reads the password from stdin like sudo, refuses a wrong one with
 * sudo's own words, and runs CMD (the test already runs as root). */
export function writeFakeSudo(dir: string, password: string): string {
  const file = path.join(dir, 'sudo');
  fs.writeFileSync(
    file,
    `#!/bin/sh
if [ "$1" = "-n" ]; then echo "sudo: a password is required" >&2; exit 1; fi
[ "$1" = "-S" ] || { echo "fake sudo: expected -S" >&2; exit 2; }
shift 3
[ "$1" = "--" ] && shift
IFS= read -r pw
if [ "$pw" != '${password.replace(/'/g, '')}' ]; then echo "Sorry, try again." >&2; echo "sudo: 1 incorrect password attempt" >&2; exit 1; fi
exec "$@"
`,
    { mode: 0o755 },
  );
  return file;
}
