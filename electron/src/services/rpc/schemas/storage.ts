/** Schemas for images, volumes, networks, builds and registry credentials. */
import { z } from 'zod';
import type { BuildContext, BuildRequest } from '../../../contract/models/builds';
import type { NetworkCreate, RegistryAuth, VolumeCreate } from '../../../contract/models/storage';
import { checked, engineName, hostId, labels, stringMap } from './common';

export const registryAuth = checked<RegistryAuth>()(
  z.strictObject({
    username: z.string().min(1, 'a user name is required').max(512),
    password: z.string().min(1, 'a password or token is required').max(8192),
    serverAddress: z.string().min(1).max(512).optional(),
  }),
);

export const volumeCreate = checked<VolumeCreate>()(
  z.strictObject({
    name: engineName.optional(),
    driver: z.string().min(1).max(128).optional(),
    driverOpts: stringMap.optional(),
    labels: labels.optional(),
  }),
);

const cidr = z
  .string()
  .regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/, 'a subnet in CIDR form, e.g. 172.28.0.0/16');

export const networkCreate = checked<NetworkCreate>()(
  z
    .strictObject({
      name: engineName,
      driver: z.string().min(1).max(128).optional(),
      internal: z.boolean().optional(),
      attachable: z.boolean().optional(),
      subnet: cidr.optional(),
      gateway: z.union([z.ipv4(), z.ipv6()]).optional(),
      labels: labels.optional(),
    })
    .superRefine((n, ctx) => {
      if (n.gateway && !n.subnet)
        ctx.addIssue({ code: 'custom', path: ['gateway'], message: 'a gateway needs a subnet' });
    }),
);

const buildContext = checked<BuildContext>()(
  z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('path'), path: z.string().min(1, 'choose a folder or a tar file').max(4096) }),
    z.strictObject({
      kind: z.literal('upload'),
      uploadId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'not an upload id'),
    }),
  ]),
);

const tag = z
  .string()
  .max(512)
  .regex(
    /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/,
    'a tag is name[:tag] in lower case, e.g. myapp:1.0',
  );

export const buildRequest = checked<BuildRequest>()(
  z.strictObject({
    hostId,
    context: buildContext,
    dockerfile: z
      .string()
      .min(1)
      .max(4096)
      .regex(/^[^\0]+$/)
      .optional(),
    tags: z.array(tag).max(64).optional(),
    buildArgs: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a build argument name'), z.string().max(65536))
      .optional(),
    target: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a stage name')
      .max(128)
      .optional(),
    noCache: z.boolean().optional(),
    pull: z.boolean().optional(),
    labels: labels.optional(),
    platform: z
      .string()
      .regex(/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/, 'os/arch[/variant], e.g. linux/amd64')
      .optional(),
  }),
);

export const imageTag = tag;
