import { describe, expect, it } from 'vitest';
import type { HostEnv } from './host-env';
import { chooseLaunchMethod, unitActive } from './method';

function env(p: Partial<HostEnv> & { has?: string[] }): HostEnv {
  const has = new Set(p.has ?? []);
  return {
    platform: 'linux',
    uid: 1000,
    gid: 1000,
    which: (c) => (has.has(c) ? `/usr/bin/${c}` : undefined),
    systemdRunning: () => false,
    unitInstalled: () => false,
    graphical: () => false,
    ...p,
  };
}

describe('chooseLaunchMethod', () => {
  it('runs directly as root, else the unit, else pkexec in a graphical session, else sudo', () => {
    expect(chooseLaunchMethod(env({ uid: 0, has: ['sudo'] }), 'berthd.service', undefined)).toBe('direct');
    const unit = env({ has: ['systemctl', 'sudo', 'pkexec'], systemdRunning: () => true, unitInstalled: () => true });
    expect(chooseLaunchMethod(unit, 'berthd.service', undefined)).toBe('systemd');
    expect(chooseLaunchMethod(env({ has: ['pkexec', 'sudo'], graphical: () => true }), 'u', undefined)).toBe('pkexec');
    expect(chooseLaunchMethod(env({ has: ['pkexec', 'sudo'] }), 'u', undefined)).toBe('sudo');
    expect(chooseLaunchMethod(env({}), 'u', undefined)).toBeUndefined();
  });

  it('takes the preferred method only when it is usable here', () => {
    const e = env({ has: ['pkexec', 'sudo'], graphical: () => true });
    expect(chooseLaunchMethod(e, 'u', 'sudo')).toBe('sudo');
    expect(chooseLaunchMethod(e, 'u', 'systemd')).toBe('pkexec');
    expect(chooseLaunchMethod(e, 'u', 'direct')).toBe('pkexec');
  });
});

describe('unitActive', () => {
  it('is false without systemctl, systemd or the unit, without running anything', async () => {
    expect(await unitActive(env({}), 'berthd.service')).toBe(false);
    expect(await unitActive(env({ has: ['systemctl'], systemdRunning: () => true }), 'berthd.service')).toBe(false);
  });
});
