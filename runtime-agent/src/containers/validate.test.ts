import { describe, expect, it } from 'vitest';
import { parseCreateRequest } from './create-request';
import { validateCreate } from './validate';

function req(body: Record<string, unknown>) {
  return parseCreateRequest({ Image: 'busybox', ...body }, undefined, undefined);
}
function check(body: Record<string, unknown>): void {
  const r = req(body);
  validateCreate(r.config, r.hostConfig);
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

describe('engine-level create validation', () => {
  it('refuses what Berth does not do, clearly', () => {
    expect(() => check({ HostConfig: { Init: true } })).toThrow(/--init is not supported/);
    expect(() => check({ HostConfig: { LogConfig: { Type: 'syslog' } } })).toThrow(/logging driver "syslog"/);
    expect(() => check({ Image: '' })).toThrow(/image name is required/);
  });
  it('refuses systempaths=unconfined (empty MaskedPaths/ReadonlyPaths from the CLI) naming the option', () => {
    expect(() => check({ HostConfig: { MaskedPaths: [], ReadonlyPaths: [] } })).toThrow(
      'security option "systempaths=unconfined" is not supported',
    );
    expect(() => check({ HostConfig: { MaskedPaths: ['/proc/kcore'] } })).toThrow(/MaskedPaths/);
    expect(() => check({ HostConfig: { MaskedPaths: null, ReadonlyPaths: null } })).not.toThrow();
  });
  it('checks health check durations and tests', () => {
    expect(() => check({ Healthcheck: { Test: ['CMD', 'true'], Interval: 10 } })).toThrow(
      'Interval in Healthcheck cannot be less than 1ms',
    );
    expect(() => check({ Healthcheck: { Test: ['RUN', 'x'] } })).toThrow(/NONE, CMD or CMD-SHELL/);
    expect(() => check({ Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 1e9, Retries: 2 } })).not.toThrow();
  });
});
