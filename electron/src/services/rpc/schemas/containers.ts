/** Schemas for containers and exec: the Run dialog's spec is validated here before any engine call. */
import { z } from 'zod';
import type {
  EnvVar,
  ExecSpec,
  HealthcheckSpec,
  LogsQuery,
  PortSpec,
  ResourceLimits,
  RestartPolicy,
  RunSpec,
  VolumeSpec,
} from '../../../contract/models/containers';
import { absolutePath, checked, engineName, hostId, imageRef, labels, port, resourceId } from './common';

const MIN_MEMORY = 6 * 1024 * 1024; // moby refuses less than 6 MiB

const envVar = checked<EnvVar>()(
  z.strictObject({
    name: z
      .string()
      .min(1, 'a variable name is required')
      .max(1024)
      .regex(/^[^=\0]+$/, 'a variable name has no "="'),
    value: z.string().max(131072),
  }),
);

const portSpec = checked<PortSpec>()(
  z.strictObject({
    containerPort: port,
    protocol: z.enum(['tcp', 'udp', 'sctp']).optional(),
    hostPort: z.number().int().min(0).max(65535).optional(),
    hostIp: z.union([z.ipv4(), z.ipv6()]).optional(),
  }),
);

const volumeSpec = checked<VolumeSpec>()(
  z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('bind'),
      source: absolutePath,
      target: absolutePath,
      readOnly: z.boolean().optional(),
    }),
    z.strictObject({
      type: z.literal('volume'),
      source: engineName.optional(),
      target: absolutePath,
      readOnly: z.boolean().optional(),
    }),
    z.strictObject({
      type: z.literal('tmpfs'),
      target: absolutePath,
      sizeBytes: z.number().int().positive().optional(),
    }),
  ]),
);

const limits = checked<ResourceLimits>()(
  z
    .strictObject({
      memoryBytes: z.number().int().min(MIN_MEMORY, 'the minimum memory limit is 6 MiB').optional(),
      memorySwapBytes: z.number().int().min(-1).optional(),
      cpus: z.number().positive('CPUs must be more than 0').max(1024).optional(),
      cpuShares: z.number().int().min(2).max(262144).optional(),
      pids: z.number().int().min(1, 'at least 1 process').optional(),
    })
    .superRefine((l, ctx) => {
      if (l.memorySwapBytes !== undefined && l.memorySwapBytes !== -1) {
        if (l.memoryBytes === undefined)
          ctx.addIssue({ code: 'custom', path: ['memorySwapBytes'], message: 'set a memory limit with a swap limit' });
        else if (l.memorySwapBytes < l.memoryBytes)
          ctx.addIssue({
            code: 'custom',
            path: ['memorySwapBytes'],
            message: 'memory + swap must be at least the memory limit',
          });
      }
      if (l.cpus !== undefined && Math.abs(Math.round(l.cpus * 100) - l.cpus * 100) > 1e-6)
        ctx.addIssue({ code: 'custom', path: ['cpus'], message: 'CPUs take at most two decimals' });
    }),
);

const restartPolicy = checked<RestartPolicy>()(
  z
    .strictObject({
      name: z.enum(['no', 'always', 'unless-stopped', 'on-failure']),
      maximumRetryCount: z.number().int().min(0).optional(),
    })
    .superRefine((r, ctx) => {
      if (r.maximumRetryCount && r.name !== 'on-failure')
        ctx.addIssue({
          code: 'custom',
          path: ['maximumRetryCount'],
          message: 'a retry count applies to "on-failure" only',
        });
    }),
);

const duration = z
  .number()
  .int()
  .min(0)
  .max(365 * 24 * 3600 * 1000);

const healthcheck = checked<HealthcheckSpec>()(
  z
    .strictObject({
      test: z.array(z.string().max(65536)).min(1, 'a health check needs a test').max(1000),
      intervalMs: duration.optional(),
      timeoutMs: duration.optional(),
      retries: z.number().int().min(0).max(1000).optional(),
      startPeriodMs: duration.optional(),
    })
    .superRefine((h, ctx) => {
      const kind = h.test[0];
      if (kind !== 'CMD' && kind !== 'CMD-SHELL' && kind !== 'NONE')
        ctx.addIssue({ code: 'custom', path: ['test', 0], message: 'the test starts with CMD, CMD-SHELL or NONE' });
      else if (kind !== 'NONE' && h.test.length < 2)
        ctx.addIssue({ code: 'custom', path: ['test'], message: 'give the command to run' });
    }),
);

const argv = z.array(z.string().max(131072)).max(4096);

export const runSpec = checked<RunSpec>()(
  z
    .strictObject({
      image: imageRef,
      name: engineName.optional(),
      cmd: argv.optional(),
      entrypoint: argv.optional(),
      env: z.array(envVar).max(4096).optional(),
      workingDir: absolutePath.optional(),
      user: z.string().max(256).optional(),
      hostname: z
        .string()
        .max(253)
        .regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, 'not a valid host name')
        .optional(),
      ports: z.array(portSpec).max(4096).optional(),
      publishAll: z.boolean().optional(),
      volumes: z.array(volumeSpec).max(1024).optional(),
      network: z.string().min(1).max(256).optional(),
      networkAliases: z.array(z.string().min(1).max(253)).max(64).optional(),
      limits: limits.optional(),
      restartPolicy: restartPolicy.optional(),
      healthcheck: healthcheck.optional(),
      autoRemove: z.boolean().optional(),
      tty: z.boolean().optional(),
      interactive: z.boolean().optional(),
      labels: labels.optional(),
      privileged: z.boolean().optional(),
    })
    .superRefine((s, ctx) => {
      if (s.autoRemove && s.restartPolicy && s.restartPolicy.name !== 'no')
        ctx.addIssue({
          code: 'custom',
          path: ['autoRemove'],
          message: 'a container that removes itself cannot have a restart policy',
        });
      const seen = new Map<string, number>();
      s.ports?.forEach((p, i) => {
        if (!p.hostPort) return;
        const key = `${p.hostIp ?? '0.0.0.0'}:${p.hostPort}/${p.protocol ?? 'tcp'}`;
        const first = seen.get(key);
        if (first !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['ports', i, 'hostPort'],
            message: `host port ${p.hostPort} is already used by row ${first + 1}`,
          });
        else seen.set(key, i);
      });
      const targets = new Map<string, number>();
      s.volumes?.forEach((v, i) => {
        const first = targets.get(v.target);
        if (first !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['volumes', i, 'target'],
            message: `${v.target} is already mounted by row ${first + 1}`,
          });
        else targets.set(v.target, i);
      });
      const names = new Set<string>();
      s.env?.forEach((e, i) => {
        if (names.has(e.name))
          ctx.addIssue({ code: 'custom', path: ['env', i, 'name'], message: `${e.name} is set twice` });
        names.add(e.name);
      });
      if (s.networkAliases?.length && (!s.network || ['bridge', 'host', 'none'].includes(s.network)))
        ctx.addIssue({
          code: 'custom',
          path: ['networkAliases'],
          message: 'aliases need a user-defined network',
        });
    }),
);

const timestamp = z
  .string()
  .max(64)
  .regex(/^(\d+(\.\d+)?|\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2}))$/, 'unix seconds or an RFC 3339 time');

export const logsQuery = checked<LogsQuery>()(
  z.strictObject({
    hostId,
    id: resourceId,
    since: timestamp.optional(),
    until: timestamp.optional(),
    tail: z.number().int().min(0).max(1_000_000).optional(),
    timestamps: z.boolean().optional(),
  }),
);

export const execSpec = checked<ExecSpec>()(
  z.strictObject({
    hostId,
    containerId: resourceId,
    cmd: z.array(z.string().max(131072)).min(1, 'a command is required').max(4096),
    tty: z.boolean(),
    cols: z.number().int().min(1).max(1000).optional(),
    rows: z.number().int().min(1).max(1000).optional(),
    env: z.array(envVar).max(1024).optional(),
    user: z.string().max(256).optional(),
    workingDir: absolutePath.optional(),
  }),
);

export const containerAction = z.enum(['start', 'stop', 'restart', 'pause', 'unpause', 'kill', 'remove']);
export const signalName = z
  .string()
  .regex(/^(SIG)?[A-Z0-9+-]+$|^\d+$/, 'a signal name (SIGTERM) or number')
  .max(16);
export const timeoutSeconds = z.number().int().min(0).max(3600);
