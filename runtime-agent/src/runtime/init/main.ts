/**
 * The container init: PID 1 of the new namespaces until it execs the user's command. Started by
 * the shim with an empty environment as `node init.cjs <koffi.node> <libc>`; fd 3 is the channel
 * to the agent. Sequence: read the config, mount the root file system and pivot_root, resolve the
 * user and the command, report "ready" with the host pid, wait for "go" (the agent has set up the
 * network and the TTY meanwhile), then drop privileges and execve.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Channel } from './channel';
import type { GoMessage, InitConfig } from './config';
import { CLONE, MS, O, initLibc, type InitLibc } from './libc';
import { setupRootfs, pivotRoot } from './mounts';
import { InitFailure, finalEnv, finalizeAndExec, lookPath, lookupUser } from './process';

const TIOCSCTTY = 0x540e;

function attachTty(libc: InitLibc, pty: number): void {
  const slave = libc.open(`/dev/pts/${pty}`, O.RDWR | O.NOCTTY);
  libc.setsid();
  libc.ioctlInt(slave, TIOCSCTTY, 0);
  for (const fd of [0, 1, 2]) libc.dup2(slave, fd);
  if (slave > 2) libc.close(slave);
  libc.mount(`/dev/pts/${pty}`, '/dev/console', null, MS.BIND, null);
}

function main(): void {
  const ch = new Channel(3);
  // /proc is still the host's here, so this is the pid the agent can see.
  const hostPid = Number(fs.readlinkSync('/proc/self'));
  // Load the FFI and bind libc before the config comes: a pre-started init (pool.ts) has this
  // done while it waits, so the start itself does not pay for it.
  let libc: InitLibc | undefined;
  let early: unknown;
  try {
    const req = createRequire(__filename);
    libc = initLibc(req(process.argv[2]!) as Parameters<typeof initLibc>[0], process.argv[3]);
  } catch (err) {
    early = err; // reported on the channel like any other failure, once the agent listens
  }
  const cfg = ch.read<InitConfig>();
  if (!cfg) process.exit(126);
  try {
    if (!libc) throw early;
    if (cfg.joinCgroups) {
      // Writing 0 moves the writer's whole process; Node's threads go along.
      for (const f of cfg.joinCgroups) fs.writeFileSync(f, '0');
      libc.unshare(CLONE.NEWCGROUP);
    }
    if (cfg.joinNetns) {
      const fd = libc.open(cfg.joinNetns, O.RDONLY | O.CLOEXEC);
      libc.setns(fd, CLONE.NEWNET);
      libc.close(fd);
    }
    setupRootfs(cfg, libc);
    libc.sethostname(cfg.hostname);
    if (cfg.loopbackUp) libc.ifUp('lo');
    pivotRoot(cfg, libc);
    const p = cfg.process;
    const user = lookupUser(p);
    const env = finalEnv(p, user, cfg.hostname);
    const cwd = p.cwd || '/';
    if (!fs.existsSync(cwd)) fs.mkdirSync(cwd, { recursive: true, mode: 0o755 });
    const exe = lookPath(p.args[0] ?? '', env, cwd);
    ch.write({ type: 'ready', pid: hostPid });
    const go = ch.read<GoMessage>();
    if (!go) process.exit(126);
    if (p.tty && go.pty !== undefined) attachTty(libc, go.pty);
    finalizeAndExec(libc, p, user, exe, env, cwd);
  } catch (err) {
    const f =
      err instanceof InitFailure ? err : new InitFailure(`container init: ${(err as Error).message}`, 126, 'Internal');
    ch.write({ type: 'error', kind: f.kind, exitCode: f.exitCode, message: f.message });
    process.exit(f.exitCode);
  }
}

main();
