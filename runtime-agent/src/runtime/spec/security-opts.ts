/**
 * Docker's HostConfig.SecurityOpt strings ("no-new-privileges", "seccomp=…", "apparmor=…",
 * "label=…", "systempaths=…"), with "=" or ":" between key and value as moby accepts.
 * Options Berth does not implement are refused naming the option (issue 10).
 */
import { InvalidArgument } from '../../errdefs';

export interface SecurityOptions {
  noNewPrivileges: boolean;
}

function parseBool(opt: string, v: string): boolean {
  const s = v.toLowerCase();
  if (['1', 't', 'true'].includes(s)) return true;
  if (['0', 'f', 'false'].includes(s)) return false;
  throw new InvalidArgument(`invalid --security-opt 2: "${opt}"`);
}

export function parseSecurityOpts(opts: readonly string[] = []): SecurityOptions {
  const out: SecurityOptions = { noNewPrivileges: false };
  for (const opt of opts) {
    if (opt === 'no-new-privileges') {
      out.noNewPrivileges = true;
      continue;
    }
    let sep = opt.indexOf('=');
    if (sep < 0) sep = opt.indexOf(':');
    if (sep < 0) throw new InvalidArgument(`invalid --security-opt: "${opt}"`);
    const key = opt.slice(0, sep);
    const value = opt.slice(sep + 1);
    switch (key) {
      case 'no-new-privileges':
        out.noNewPrivileges = parseBool(opt, value);
        break;
      case 'seccomp':
      case 'apparmor':
        if (value !== 'unconfined')
          throw new InvalidArgument(
            `security option "${opt}" is not supported by Berth yet (only ${key}=unconfined is accepted)`,
          );
        break;
      case 'label':
      case 'systempaths':
      case 'writable-cgroups':
        throw new InvalidArgument(`security option "${opt}" is not supported by Berth yet`);
      default:
        throw new InvalidArgument(`invalid --security-opt 2: "${opt}"`);
    }
  }
  return out;
}

/**
 * /info's SecurityOptions: the security features in force on this daemon, as dockerd reports
 * them. Berth creates a cgroup namespace per container; no-new-privileges is per container
 * (accepted in SecurityOpt) and not a daemon-wide default, so it is not listed, as dockerd lists
 * "name=no-new-privileges" only when it is on by default.
 */
export function daemonSecurityOptions(): string[] {
  return ['name=cgroupns'];
}
