import { describe, expect, it } from 'vitest';
import { buildSpec, tmpfsOptions, type HostLimits } from './build';
import { capabilityMask } from './caps';
import { daemonSecurityOptions, parseSecurityOpts } from './security-opts';
import { parseSignal } from './signals';
import { defaultResolvConf } from './etc-files';

const host: HostLimits = { hardLimit: () => 20000n, canRaiseHardLimits: false, dropMknod: false };
const id = 'a'.repeat(64);
const rootfs = { dir: '/' };

describe('container spec', () => {
  it("merges entrypoint and cmd by Docker's rules", () => {
    const img = { Entrypoint: ['/entry'], Cmd: ['default'] };
    expect(buildSpec(id, { rootfs, imageConfig: img }, host).args).toEqual(['/entry', 'default']);
    expect(buildSpec(id, { rootfs, imageConfig: img, cmd: ['x'] }, host).args).toEqual(['/entry', 'x']);
    // A new entrypoint drops the image's Cmd; [""] resets the entrypoint.
    expect(buildSpec(id, { rootfs, imageConfig: img, entrypoint: ['/other'] }, host).args).toEqual(['/other']);
    expect(buildSpec(id, { rootfs, imageConfig: img, entrypoint: [''], cmd: ['sh'] }, host).args).toEqual(['sh']);
    expect(() => buildSpec(id, { rootfs, imageConfig: {} }, host)).toThrow('No command specified');
  });

  it('merges env, labels and defaults', () => {
    const s = buildSpec(
      id,
      {
        rootfs,
        imageConfig: { Env: ['A=1', 'B=2'], Labels: { l: 'img' }, User: 'daemon', StopSignal: 'SIGQUIT' },
        env: ['B=3', 'C=4'],
        cmd: ['x'],
        labels: { m: 'u' },
      },
      host,
    );
    expect(s.env).toEqual(['A=1', 'B=3', 'C=4']);
    expect(s.labels).toEqual({ l: 'img', m: 'u' });
    expect(s.user).toBe('daemon');
    expect(s.stopSignal).toBe(3);
    expect(s.stopTimeout).toBe(10);
    expect(s.hostname).toBe(id.slice(0, 12));
    expect(s.caps).toBe('00000000a80425fb');
    expect(s.noNewPrivileges).toBe(false);
    expect(s.rlimits).toEqual([{ resource: 7, soft: '1024', hard: '20000' }]);
  });

  it('parses binds and tmpfs, and refuses bad ones', () => {
    const s = buildSpec(id, { rootfs, cmd: ['x'], binds: ['/tmp:/data:ro'], tmpfs: { '/run': 'size=1m,exec' } }, host);
    expect(s.mounts).toEqual([
      { kind: 'bind', source: '/tmp', target: '/data', readonly: true, file: false },
      { kind: 'tmpfs', target: '/run', data: 'size=1m', flags: 6 },
    ]);
    expect(tmpfsOptions('rw,size=64m,mode=1777')).toEqual({ data: 'size=64m,mode=1777', flags: 14 });
    expect(() => tmpfsOptions('size=1m,bogus')).toThrow(/invalid tmpfs option/);
    expect(() => buildSpec(id, { rootfs, cmd: ['x'], binds: ['/nonexistent-berth:/d'] }, host)).toThrow(
      /does not exist/,
    );
    expect(() => buildSpec(id, { rootfs, cmd: ['x'], binds: ['/tmp:relative'] }, host)).toThrow(/must be absolute/);
    expect(() => buildSpec(id, { rootfs, cmd: ['x'], binds: ['/tmp:/'] }, host)).toThrow(/can't be '\/'/);
    expect(() => buildSpec(id, { rootfs, cmd: ['x'], binds: ['vol:/d'] }, host)).toThrow(/named volumes/);
    expect(() => buildSpec(id, { rootfs, cmd: ['x'], binds: ['/tmp:/a', '/tmp:/a'] }, host)).toThrow(
      /Duplicate mount point/,
    );
    expect(() => buildSpec(id, { rootfs, cmd: ['x'], hostname: 'bad_host!' }, host)).toThrow(/invalid hostname/);
    expect(() => buildSpec(id, { rootfs, cmd: ['x'], workingDir: 'rel' }, host)).toThrow(/absolute path/);
    expect(() => buildSpec(id, { rootfs, cmd: ['x'], privileged: true }, host)).toThrow(/privileged/);
  });

  it('checks ulimits against the host hard limit when it cannot raise it', () => {
    const s = buildSpec(
      id,
      {
        rootfs,
        cmd: ['x'],
        ulimits: [
          { name: 'nofile', soft: 10, hard: 20 },
          { name: 'nproc', soft: 5, hard: 5 },
        ],
      },
      host,
    );
    expect(s.rlimits).toEqual([
      { resource: 7, soft: '10', hard: '20' },
      { resource: 6, soft: '5', hard: '5' },
    ]);
    expect(() =>
      buildSpec(id, { rootfs, cmd: ['x'], ulimits: [{ name: 'nofile', soft: 10, hard: 30000 }] }, host),
    ).toThrow(/above this host's hard limit/);
    expect(() =>
      buildSpec(id, { rootfs, cmd: ['x'], ulimits: [{ name: 'nofile', soft: 30, hard: 20 }] }, host),
    ).toThrow(/soft limit/);
    expect(() => buildSpec(id, { rootfs, cmd: ['x'], ulimits: [{ name: 'bogus', soft: 1, hard: 1 }] }, host)).toThrow(
      /invalid ulimit/,
    );
  });
});

describe('capabilities', () => {
  it("computes Docker's default mask and cap-add/cap-drop", () => {
    expect(capabilityMask()).toBe('00000000a80425fb');
    expect(capabilityMask([], [], true)).toBe('00000000a00425fb');
    expect(capabilityMask(['MKNOD'], [], true)).toBe('00000000a80425fb');
    expect(capabilityMask([], ['ALL'])).toBe('0000000000000000');
    expect(capabilityMask(['cap_sys_admin'], ['NET_RAW'])).toBe('00000000a82405fb');
    expect(capabilityMask(['ALL'])).toBe('000001ffffffffff');
    expect(() => capabilityMask(['BOGUS'])).toThrow(/unknown capability/);
  });
});

describe('security options (issue 10)', () => {
  it('leaves no-new-privileges off by default and accepts its spellings', () => {
    expect(parseSecurityOpts([])).toEqual({ noNewPrivileges: false });
    for (const o of ['no-new-privileges', 'no-new-privileges:true', 'no-new-privileges=true', 'no-new-privileges=1'])
      expect(parseSecurityOpts([o]).noNewPrivileges).toBe(true);
    expect(parseSecurityOpts(['no-new-privileges:false']).noNewPrivileges).toBe(false);
    expect(parseSecurityOpts(['seccomp=unconfined', 'apparmor=unconfined', 'apparmor:unconfined'])).toEqual({
      noNewPrivileges: false,
    });
  });

  it('refuses options Berth does not implement, naming them', () => {
    for (const o of [
      'seccomp=/etc/profile.json',
      'apparmor=docker-default',
      'label=disable',
      'label:user:USER',
      'systempaths=unconfined',
    ])
      expect(() => parseSecurityOpts([o])).toThrow(
        expect.objectContaining({ kind: 'InvalidArgument', message: expect.stringContaining(o) }),
      );
    expect(() => parseSecurityOpts(['bogus'])).toThrow(/invalid --security-opt/);
    expect(() => parseSecurityOpts(['no-new-privileges=maybe'])).toThrow(/invalid --security-opt/);
    expect(daemonSecurityOptions()).toEqual(['name=cgroupns']);
  });
});

describe('signals and resolv.conf', () => {
  it('parses signal names and numbers', () => {
    expect(parseSignal('SIGTERM')).toBe(15);
    expect(parseSignal('kill')).toBe(9);
    expect(parseSignal('10')).toBe(10);
    expect(parseSignal('RTMIN+2')).toBe(36);
    expect(() => parseSignal('SIGBOGUS')).toThrow(/invalid signal/);
    expect(() => parseSignal(0)).toThrow(/invalid signal/);
  });

  it('filters loopback resolvers for a private network namespace', () => {
    const host = 'search example.com\nnameserver 127.0.0.53\nnameserver 10.0.0.1\noptions edns0\n';
    expect(defaultResolvConf(false, host)).toBe('search example.com\nnameserver 10.0.0.1\noptions edns0\n');
    expect(defaultResolvConf(false, 'nameserver 127.0.0.1\n')).toBe('nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    expect(defaultResolvConf(true, host)).toBe(host);
  });
});
