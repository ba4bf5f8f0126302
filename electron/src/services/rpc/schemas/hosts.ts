/** Schemas for hosts, prompts and the engine supervisor. */
import { z } from 'zod';
import type { HostConfig, HostSpec, PromptAnswer } from '../../../contract/models/hosts';
import type { EngineSettings } from '../../../contract/models/engine';
import { absolutePath, checked } from './common';

const hostName = z.string().trim().min(1, 'a name is required').max(100);

const localConfig = z.strictObject({
  kind: z.literal('local'),
  socketPath: z
    .string()
    .min(1, 'a socket path is required')
    .max(4096)
    .regex(/^(\/|\\\\\.\\pipe\\)/, 'an absolute socket path or a \\\\.\\pipe\\ name'),
});

const sshAuth = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('key'), privateKeyPath: z.string().min(1).max(4096) }),
  z.strictObject({ method: z.literal('agent'), agentSocket: z.string().min(1).max(4096).optional() }),
  z.strictObject({ method: z.literal('password') }),
]);

const sshConfig = z.strictObject({
  kind: z.literal('ssh'),
  host: z
    .string()
    .trim()
    .min(1, 'a host name or address is required')
    .max(255)
    .regex(/^[A-Za-z0-9.:_%[\]-]+$/, 'not a host name or address'),
  port: z.number().int().min(1).max(65535).optional(),
  username: z
    .string()
    .min(1, 'a user name is required')
    .max(64)
    .regex(/^[A-Za-z0-9._][A-Za-z0-9._@-]*\$?$/, 'not a valid user name'),
  auth: sshAuth,
  knownHostsPath: z.string().min(1).max(4096).optional(),
  remoteSocket: absolutePath.optional(),
});

const wslConfig = z.strictObject({
  kind: z.literal('wsl'),
  distro: z
    .string()
    .min(1, 'a distribution is required')
    .max(128)
    .regex(/^[A-Za-z0-9._-]+$/, 'not a WSL distribution name'),
});

export const hostConfig = checked<HostConfig>()(z.discriminatedUnion('kind', [localConfig, sshConfig, wslConfig]));

export const hostSpec = checked<HostSpec>()(
  z.strictObject({ name: hostName, config: hostConfig, autoConnect: z.boolean().optional() }),
);

export const promptAnswer = checked<PromptAnswer>()(
  z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('hostKey'), trust: z.boolean() }),
    z.strictObject({ kind: z.literal('secret'), value: z.string().max(4096).optional() }),
  ]),
);

export const engineSettings = checked<EngineSettings>()(
  z.strictObject({
    socketPath: absolutePath.optional(),
    dataRoot: absolutePath.optional(),
    preferredMethod: z.enum(['direct', 'pkexec', 'sudo', 'systemd']).optional(),
  }),
);
