/**
 * What the supervisor needs to know about this machine, behind an interface so the fault cases
 * (not root, no pkexec and no sudo, no systemd) can be produced in tests on a root CI machine.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface HostEnv {
  platform: NodeJS.Platform;
  uid: number;
  gid: number;
  /** Absolute path of a command on PATH, or undefined. */
  which(cmd: string): string | undefined;
  /** systemd is the init system (so units can be started). */
  systemdRunning(): boolean;
  unitInstalled(unit: string): boolean;
  /** A graphical session (pkexec needs a polkit agent to ask for the password). */
  graphical(): boolean;
}

export function realHostEnv(searchPath = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'): HostEnv {
  return {
    platform: process.platform,
    uid: process.getuid?.() ?? -1,
    gid: process.getgid?.() ?? -1,
    which(cmd) {
      for (const dir of searchPath.split(path.delimiter)) {
        if (!dir) continue;
        const p = path.join(dir, cmd);
        try {
          fs.accessSync(p, fs.constants.X_OK);
          if (fs.statSync(p).isFile()) return p;
        } catch {
          /* not here */
        }
      }
      return undefined;
    },
    systemdRunning: () => fs.existsSync('/run/systemd/system'),
    unitInstalled: (unit) =>
      ['/etc/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'].some((d) =>
        fs.existsSync(path.join(d, unit)),
      ),
    graphical: () => Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY),
  };
}
