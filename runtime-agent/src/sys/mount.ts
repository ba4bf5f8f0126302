/** mount(2)/umount2(2) for the agent process (volume mounts on the host side). */
import { agentLibc, errno } from './libc';
import { Internal } from '../errdefs';

type MountFn = (source: string, target: string, fstype: string | null, flags: number, data: string | null) => number;
type Umount2Fn = (target: string, flags: number) => number;

let fns: { mount: MountFn; umount2: Umount2Fn; strerror: (e: number) => string } | undefined;

function bind(): NonNullable<typeof fns> {
  if (fns) return fns;
  const { lib } = agentLibc();
  fns = {
    mount: lib.func(
      'int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)',
    ) as MountFn,
    umount2: lib.func('int umount2(const char *target, int flags)') as Umount2Fn,
    strerror: lib.func('const char *strerror(int errnum)') as (e: number) => string,
  };
  return fns;
}

export const MNT_DETACH = 2;

export function mount(source: string, target: string, fstype: string | null, flags: number, data: string | null): void {
  const f = bind();
  if (f.mount(source, target, fstype, flags, data) !== 0) {
    const e = errno();
    throw new Internal(`mount ${source} on ${target} (${fstype ?? 'bind'}): ${f.strerror(e)}`);
  }
}

export function umount(target: string, flags = 0): void {
  const f = bind();
  if (f.umount2(target, flags) !== 0) {
    const e = errno();
    throw new Internal(`umount ${target}: ${f.strerror(e)}`);
  }
}
