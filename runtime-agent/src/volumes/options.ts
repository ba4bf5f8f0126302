/**
 * The `local` driver's options, as Docker's: `type`, `device`, `o` (mount(8)-style), plus `size`
 * for tmpfs shorthand. A volume with options is a mount made when a container first uses it
 * (tmpfs, a bind of a host directory, or a device), not a plain directory.
 */
import { InvalidArgument } from '../errdefs';

export interface LocalMountSpec {
  type: string;
  device: string;
  flags: number;
  data: string;
}

const KNOWN = new Set(['type', 'device', 'o', 'size']);

// mount(2) flags we translate from `o=`; everything else goes to the file system as data.
const FLAGS: Record<string, number> = {
  ro: 1,
  rw: 0,
  nosuid: 2,
  nodev: 4,
  noexec: 8,
  sync: 16,
  remount: 32,
  bind: 4096,
  rbind: 4096 | 16384,
  noatime: 1024,
  nodiratime: 2048,
  relatime: 1 << 21,
};

export function validateLocalOptions(opts: Record<string, string>): void {
  for (const k of Object.keys(opts)) {
    if (!KNOWN.has(k)) throw new InvalidArgument(`invalid option key: "${k}"`);
  }
  const hasAny = Object.keys(opts).length > 0;
  if (hasAny && !opts.type && !opts.size) throw new InvalidArgument('missing required option: "type"');
  if (opts.type && opts.type !== 'tmpfs' && opts.type !== 'none' && !opts.device) {
    throw new InvalidArgument('missing required option: "device"');
  }
  if (opts.type === 'none' && !(opts.o ?? '').split(',').some((o) => o === 'bind' || o === 'rbind')) {
    throw new InvalidArgument('type "none" needs o=bind (a bind mount of "device")');
  }
  if (opts.type === 'none' && opts.device && !opts.device.startsWith('/')) {
    throw new InvalidArgument(`bind device must be an absolute path: "${opts.device}"`);
  }
}

export function mountSpec(opts: Record<string, string>): LocalMountSpec | undefined {
  if (Object.keys(opts).length === 0) return undefined;
  const type = opts.type ?? 'tmpfs';
  let flags = 0;
  const data: string[] = [];
  for (const o of (opts.o ?? '').split(',').filter(Boolean)) {
    if (Object.hasOwn(FLAGS, o)) flags |= FLAGS[o]!;
    else data.push(o);
  }
  if (opts.size && type === 'tmpfs') data.push(`size=${opts.size}`);
  return { type: type === 'none' ? '' : type, device: opts.device ?? type, flags, data: data.join(',') };
}
