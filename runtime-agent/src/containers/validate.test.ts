import { describe, expect, it } from 'vitest';
import { parseCreateRequest } from './create-request';
import { formatCpuset, parseCpuset, validateCreate, validateName } from './validate';

const limits = { ncpu: 2, cpus: [0, 1] };
function req(body: Record<string, unknown>) {
  return parseCreateRequest({ Image: 'busybox', ...body }, undefined, undefined);
}
function check(body: Record<string, unknown>): void {
  const r = req(body);
  validateCreate(r.config, r.hostConfig, limits);
}

describe('create request parsing', () => {
  it('fills Docker defaults and keeps unknown HostConfig fields', () => {
    const r = req({ Cmd: 'echo', HostConfig: { Memory: 10485760, Foo: 1 } });
    expect(r.config.Cmd).toEqual(['echo']);
    expect(r.config.Env).toEqual([]);
    expect(r.hostConfig.Memory).toBe(10485760);
    expect(r.hostConfig.Foo).toBe(1);
    expect(r.hostConfig.RestartPolicy).toEqual({ Name: '', MaximumRetryCount: 0 });
    expect(r.hostConfig.LogConfig.Type).toBe('json-file');
  });
  it('names the field of a wrong JSON type', () => {
    expect(() => req({ Env: 'A=1' })).not.toThrow();
    expect(() => req({ Env: [1] })).toThrow(/Env must be an array of strings/);
    expect(() => req({ Tty: 'yes' })).toThrow(/Tty must be a boolean/);
    expect(() => req({ HostConfig: { Memory: '1g' } })).toThrow(/HostConfig.Memory must be an integer/);
    expect(() => req({ HostConfig: { PortBindings: { '80/tcp': [{ HostPort: 80 }] } } })).toThrow(
      /HostPort must be a string/,
    );
    expect(() => parseCreateRequest([], undefined, undefined)).toThrow(/want a JSON object/);
  });
});

describe('create validation (dockerd messages)', () => {
  it('checks memory limits', () => {
    expect(() => check({ HostConfig: { Memory: 1024 } })).toThrow('Minimum memory limit allowed is 6MB');
    expect(() => check({ HostConfig: { MemorySwap: 1 << 30 } })).toThrow(/always set the Memory limit/);
    expect(() => check({ HostConfig: { Memory: 64 << 20, MemorySwap: 32 << 20 } })).toThrow(
      /memoryswap limit should be larger/,
    );
    expect(() => check({ HostConfig: { Memory: 64 << 20, MemorySwap: -1 } })).not.toThrow();
  });
  it('checks CPU options', () => {
    expect(() => check({ HostConfig: { NanoCpus: 3e9 } })).toThrow(
      'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available',
    );
    expect(() => check({ HostConfig: { NanoCpus: 5e8, CpuQuota: 50000 } })).toThrow(/Nano CPUs and CPU Quota/);
    expect(() => check({ HostConfig: { CpuPeriod: 10 } })).toThrow(/cfs period can not be less than 1ms/);
    expect(() => check({ HostConfig: { CpusetCpus: '0-3' } })).toThrow(
      'Requested CPUs are not available - requested 0-3, available: 0-1',
    );
    expect(() => check({ HostConfig: { NanoCpus: 25e7, CpusetCpus: '1' } })).not.toThrow();
  });
  it('checks restart policies', () => {
    expect(() => check({ HostConfig: { RestartPolicy: { Name: 'sometimes' } } })).toThrow(/unknown policy 'sometimes'/);
    expect(() => check({ HostConfig: { RestartPolicy: { Name: 'always', MaximumRetryCount: 2 } } })).toThrow(
      /only be used with 'on-failure'/,
    );
    expect(() => check({ HostConfig: { RestartPolicy: { Name: 'always' }, AutoRemove: true } })).toThrow(/AutoRemove/);
    expect(() => check({ HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } } })).not.toThrow();
  });
  it('refuses privileged containers and bad health checks clearly', () => {
    expect(() => check({ HostConfig: { Privileged: true } })).toThrow(/privileged containers are not supported/);
    expect(() => check({ Healthcheck: { Test: ['CMD', 'true'], Interval: 10 } })).toThrow(
      'Interval in Healthcheck cannot be less than 1ms',
    );
    expect(() => check({ Healthcheck: { Test: ['RUN', 'x'] } })).toThrow(/NONE, CMD or CMD-SHELL/);
    expect(() => check({ Image: '' })).toThrow(/image name is required/);
  });
  it('checks names and cpusets', () => {
    expect(validateName('/web-1')).toBe('web-1');
    expect(() => validateName('a')).toThrow(/Invalid container name/);
    expect(() => validateName('no/slash')).toThrow(/Invalid container name/);
    expect(parseCpuset('0-2,5')).toEqual([0, 1, 2, 5]);
    expect(formatCpuset([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
    expect(() => parseCpuset('x')).toThrow(/Invalid value/);
  });
});
