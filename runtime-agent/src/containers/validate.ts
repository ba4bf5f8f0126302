/**
 * Checks of a create request that belong to the engine rather than the runtime (the runtime
 * validates names, limits, restart policy and security options itself): the image, the health
 * check, options Berth does not implement. dockerd's messages where users know them.
 */
import { InvalidArgument } from '../errdefs';
import type { ContainerConfig, HealthConfig, HostConfig } from './docker-types';

export function validateHealthcheck(h: HealthConfig | undefined): void {
  if (!h) return;
  const MS = 1_000_000;
  const check = (v: number | undefined, what: string): void => {
    if (v !== undefined && v !== 0 && v < MS)
      throw new InvalidArgument(`${what} in Healthcheck cannot be less than 1ms`);
  };
  check(h.Interval, 'Interval');
  check(h.Timeout, 'Timeout');
  check(h.StartPeriod, 'StartPeriod');
  check(h.StartInterval, 'StartInterval');
  if ((h.Retries ?? 0) < 0) throw new InvalidArgument('Retries in Healthcheck cannot be negative');
  const test = h.Test ?? [];
  if (test.length > 0 && !['NONE', 'CMD', 'CMD-SHELL'].includes(test[0]!)) {
    throw new InvalidArgument(
      `invalid Healthcheck.Test: the first element must be NONE, CMD or CMD-SHELL, not "${test[0]}"`,
    );
  }
}

export function validateCreate(config: ContainerConfig, host: HostConfig): void {
  if (!config.Image) throw new InvalidArgument('config.Image: image name is required');
  if (host.Init) throw new InvalidArgument('--init is not supported by Berth yet: run the command without --init');
  if (host.LogConfig.Type !== 'json-file' && host.LogConfig.Type !== '') {
    throw new InvalidArgument(`logging driver "${host.LogConfig.Type}" is not supported: Berth logs with json-file`);
  }
  validateHealthcheck(config.Healthcheck);
  validateSystemPaths(host);
  if (config.StopTimeout !== undefined && config.StopTimeout < -1) {
    throw new InvalidArgument('invalid StopTimeout: want -1 or more seconds');
  }
}

/**
 * The docker CLI turns `--security-opt systempaths=unconfined` into empty MaskedPaths and
 * ReadonlyPaths (it never sends the option itself); Berth always masks Docker's paths, so any
 * explicit list is refused, naming the option the user typed (issue 10).
 */
function validateSystemPaths(host: HostConfig): void {
  const lists = [host.MaskedPaths, host.ReadonlyPaths].filter((v): v is unknown[] => Array.isArray(v));
  if (lists.length === 0) return;
  if (lists.some((l) => l.length === 0))
    throw new InvalidArgument('security option "systempaths=unconfined" is not supported by Berth yet');
  throw new InvalidArgument(
    "HostConfig.MaskedPaths and HostConfig.ReadonlyPaths are not supported by Berth yet: Docker's defaults apply",
  );
}
