/**
 * exec-init: started by `nsenter --target PID --pid --net --uts --ipc --cgroup` (which forks into
 * the PID namespace) as `node exec-init.cjs <koffi.node> <libc>`; fd 3 is the channel to the agent.
 * Joins the container's mount namespace (unshare(CLONE_FS) first: Node's threads share the
 * fs_struct), then does the same last steps as the init. Success is EOF on fd 3 (close-on-exec).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Channel } from './channel';
import type { ExecConfig } from './config';
import { CLONE, O, initLibc } from './libc';
import { InitFailure, finalEnv, finalizeAndExec, lookPath, lookupUser } from './process';

const TIOCSCTTY = 0x540e;

function main(): void {
  const ch = new Channel(3);
  const cfg = ch.read<ExecConfig>();
  if (!cfg) process.exit(126);
  // /proc is still the host's: this is the pid the agent can see.
  ch.write({ type: 'ready', pid: Number(fs.readlinkSync('/proc/self')) });
  try {
    const req = createRequire(__filename);
    const libc = initLibc(req(process.argv[2]!) as Parameters<typeof initLibc>[0], process.argv[3]);
    const mnt = libc.open(`/proc/${cfg.pid}/ns/mnt`, O.RDONLY | O.CLOEXEC);
    libc.unshare(CLONE.FS);
    libc.setns(mnt, CLONE.NEWNS);
    libc.close(mnt);
    const p = cfg.process;
    const user = lookupUser(p);
    const env = finalEnv(p, user, undefined);
    const cwd = p.cwd || '/';
    const exe = lookPath(p.args[0] ?? '', env, cwd);
    if (p.tty) {
      libc.setsid();
      libc.ioctlInt(0, TIOCSCTTY, 0);
    }
    finalizeAndExec(libc, p, user, exe, env, cwd);
  } catch (err) {
    const f =
      err instanceof InitFailure ? err : new InitFailure(`exec init: ${(err as Error).message}`, 126, 'Internal');
    ch.write({ type: 'error', kind: f.kind, exitCode: f.exitCode, message: f.message });
    process.exit(f.exitCode);
  }
}

main();
