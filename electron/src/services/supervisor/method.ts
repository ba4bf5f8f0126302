/**
 * How the engine gets root: already root ("direct"), the .deb's systemd unit, pkexec (a graphical
 * password prompt) or sudo (the password asked in the UI), in that order unless the settings
 * prefer one that is usable here; and whether the engine on the default socket is that unit's.
 */
import type { LaunchMethod } from '../../contract/models/engine';
import type { HostEnv } from './host-env';
import { runShort } from './launch';

export function chooseLaunchMethod(
  env: HostEnv,
  unit: string,
  preferred: LaunchMethod | undefined,
): LaunchMethod | undefined {
  const usable: Record<LaunchMethod, boolean> = {
    direct: env.uid === 0,
    systemd: env.systemdRunning() && env.unitInstalled(unit) && env.which('systemctl') !== undefined,
    pkexec: env.which('pkexec') !== undefined && env.graphical(),
    sudo: env.which('sudo') !== undefined,
  };
  if (preferred && usable[preferred]) return preferred;
  return (['direct', 'systemd', 'pkexec', 'sudo'] as const).find((m) => usable[m]);
}

/** Whether `unit` is installed and active (so the engine it runs is stopped with systemctl). */
export async function unitActive(env: HostEnv, unit: string): Promise<boolean> {
  const systemctl = env.which('systemctl');
  if (!systemctl || !env.systemdRunning() || !env.unitInstalled(unit)) return false;
  const r = await runShort({ file: systemctl, args: ['is-active', '--quiet', unit], env: {} }, 5000);
  return r.code === 0;
}
