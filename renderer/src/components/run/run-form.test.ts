import { describe, expect, it } from 'vitest';
import { emptyForm, toRunSpec } from './run-form';

describe('Run form', () => {
  it('requires an image and names the field', () => {
    const r = toRunSpec(emptyForm());
    expect(r.spec).toBeUndefined();
    expect(r.errors.image).toBe('Required');
  });

  it('builds the spec: command, env, ports, volumes, limits, restart policy, health check', () => {
    const f = emptyForm({ image: 'busybox:latest' });
    f.name = 'web';
    f.cmd = `sh -c "echo 'hi there'; sleep 5"`;
    f.env = [{ name: 'A', value: '1=2' }];
    f.ports = [{ hostIp: '', hostPort: '8080', containerPort: '80', protocol: 'tcp' }];
    f.volumes = [
      { type: 'bind', source: '/srv', target: '/data', readOnly: true, size: '' },
      { type: 'tmpfs', source: '', target: '/tmp', readOnly: false, size: '64m' },
    ];
    f.memory = '256m';
    f.cpus = '1.5';
    f.pids = '100';
    f.restart = 'on-failure';
    f.maxRetries = '3';
    f.health = { enabled: true, cmd: 'true', interval: '10s', timeout: '2s', retries: '2', startPeriod: '1m' };
    const r = toRunSpec(f);
    expect(r.errors).toEqual({});
    expect(r.spec).toEqual({
      image: 'busybox:latest',
      name: 'web',
      cmd: ['sh', '-c', "echo 'hi there'; sleep 5"],
      env: [{ name: 'A', value: '1=2' }],
      ports: [{ containerPort: 80, protocol: 'tcp', hostPort: 8080 }],
      volumes: [
        { type: 'bind', source: '/srv', target: '/data', readOnly: true },
        { type: 'tmpfs', target: '/tmp', sizeBytes: 64 * 1024 * 1024 },
      ],
      limits: { memoryBytes: 256 * 1024 * 1024, cpus: 1.5, pids: 100 },
      restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
      healthcheck: {
        test: ['CMD-SHELL', 'true'],
        intervalMs: 10_000,
        timeoutMs: 2000,
        retries: 2,
        startPeriodMs: 60_000,
      },
    });
  });

  it('keys every bad field by its RunSpec path', () => {
    const f = emptyForm({ image: 'busybox' });
    f.name = '-bad';
    f.ports = [
      { hostIp: '', hostPort: '70000', containerPort: 'x', protocol: 'tcp' },
      { hostIp: '', hostPort: '', containerPort: '', protocol: 'tcp' },
    ];
    f.env = [{ name: 'HAS SPACE', value: 'v' }];
    f.volumes = [{ type: 'bind', source: 'relative', target: 'also-relative', readOnly: false, size: '' }];
    f.memory = 'lots';
    f.cpus = '0';
    f.health = { enabled: true, cmd: '', interval: 'soon', timeout: '1s', retries: '1', startPeriod: '' };
    const r = toRunSpec(f);
    expect(r.spec).toBeUndefined();
    expect(Object.keys(r.errors).sort()).toEqual(
      [
        'name',
        'ports.0.hostPort',
        'ports.0.containerPort',
        'env.0.name',
        'volumes.0.source',
        'volumes.0.target',
        'limits.memoryBytes',
        'limits.cpus',
        'healthcheck.test',
        'healthcheck.intervalMs',
      ].sort(),
    );
  });

  it('refuses a restart policy together with auto-remove, and duplicate host ports', () => {
    const f = emptyForm({ image: 'busybox' });
    f.autoRemove = true;
    f.restart = 'always';
    f.ports = [
      { hostIp: '', hostPort: '8080', containerPort: '80', protocol: 'tcp' },
      { hostIp: '', hostPort: '8080', containerPort: '81', protocol: 'tcp' },
    ];
    const r = toRunSpec(f);
    expect(r.errors.restartPolicy).toMatch(/restart policy/);
    expect(r.errors['ports.1.hostPort']).toBe('Used twice');
  });

  it('refuses a memory limit below the kernel minimum and an open quote in the command', () => {
    const f = emptyForm({ image: 'busybox' });
    f.memory = '1m';
    f.cmd = 'echo "open';
    const r = toRunSpec(f);
    expect(r.errors['limits.memoryBytes']).toBeDefined();
    expect(r.errors.cmd).toMatch(/quote/);
  });
});
