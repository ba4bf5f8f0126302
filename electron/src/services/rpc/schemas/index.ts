/**
 * One schema per contract channel. The map's type demands an entry for every channel of the
 * InvokeMap and StreamMap, and the checks below fail to compile when a schema's output and the
 * contract's request type differ in either direction.
 */
import { z } from 'zod';
import type { InvokeChannel, InvokeRequest } from '../../../contract/invoke';
import type { StreamArgs, StreamTopic } from '../../../contract/events';
import { byId, empty, type Equals, engineName, hostId, onHost, resourceId } from './common';
import { containerAction, execSpec, logsQuery, runSpec, signalName, timeoutSeconds } from './containers';
import { engineSettings, hostSpec, promptAnswer } from './hosts';
import { buildRequest, imageTag, networkCreate, registryAuth, volumeCreate } from './storage';
import { imageRef } from './common';

const id = z.string().min(1).max(200);
const obj = z.strictObject;

export const invokeSchemas = {
  'app:info': empty,
  'dialog:openPath': obj({ kind: z.enum(['directory', 'file']), title: z.string().max(200).optional() }),

  'hosts:list': empty,
  'hosts:add': obj({ spec: hostSpec }),
  'hosts:update': obj({ id, spec: hostSpec }),
  'hosts:remove': obj({ id }),
  'hosts:connect': obj({ id }),
  'hosts:disconnect': obj({ id }),
  'hosts:info': obj(onHost),
  'prompts:list': empty,
  'prompts:answer': obj({ id, answer: promptAnswer }),

  'engine:state': empty,
  'engine:start': empty,
  'engine:stop': empty,
  'engine:restart': empty,
  'engine:logs': obj({ lines: z.number().int().min(1).max(10_000).optional() }),
  'engine:settings': empty,
  'engine:configure': obj({ settings: engineSettings }),

  'containers:list': obj({
    ...onHost,
    all: z.boolean().optional(),
    filters: z.record(z.string().min(1).max(64), z.array(z.string().max(1024)).max(256)).optional(),
  }),
  'containers:inspect': obj(byId),
  'containers:create': obj({
    ...onHost,
    spec: runSpec,
    start: z.boolean().optional(),
    pull: z.enum(['missing', 'never']).optional(),
  }),
  'containers:start': obj(byId),
  'containers:stop': obj({ ...byId, timeoutSeconds: timeoutSeconds.optional() }),
  'containers:restart': obj({ ...byId, timeoutSeconds: timeoutSeconds.optional() }),
  'containers:pause': obj(byId),
  'containers:unpause': obj(byId),
  'containers:kill': obj({ ...byId, signal: signalName.optional() }),
  'containers:remove': obj({ ...byId, force: z.boolean().optional(), volumes: z.boolean().optional() }),
  'containers:bulk': obj({
    ...onHost,
    action: containerAction,
    ids: z.array(resourceId).min(1, 'choose at least one container').max(10_000),
    force: z.boolean().optional(),
  }),
  'containers:rename': obj({ ...byId, name: engineName }),
  'containers:logs': logsQuery,
  'containers:top': obj({
    ...byId,
    psArgs: z
      .string()
      .max(256)
      .regex(/^[A-Za-z0-9 ,=_-]*$/, 'ps options only')
      .optional(),
  }),
  'containers:prune': obj(onHost),
  'exec:input': obj({ sessionId: id, data: z.string().max(1 << 20) }),
  'exec:resize': obj({
    sessionId: id,
    cols: z.number().int().min(1).max(1000),
    rows: z.number().int().min(1).max(1000),
  }),

  'images:list': obj({ ...onHost, all: z.boolean().optional() }),
  'images:inspect': obj(byId),
  'images:history': obj(byId),
  'images:pull': obj({
    ...onHost,
    ref: imageRef,
    platform: z.string().max(64).optional(),
    auth: registryAuth.optional(),
  }),
  'images:push': obj({ ...onHost, ref: imageRef, auth: registryAuth.optional() }),
  'images:tag': obj({
    ...byId,
    repo: imageTag,
    tag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'a tag: letters, digits, "_", "." and "-"')
      .optional(),
  }),
  'images:remove': obj({ ...byId, force: z.boolean().optional(), noPrune: z.boolean().optional() }),
  'images:prune': obj({ ...onHost, dangling: z.boolean().optional() }),

  'builds:start': buildRequest,
  'builds:list': obj({ hostId: hostId.optional() }),
  'builds:log': obj({ buildId: id }),
  'builds:clear': obj({ hostId: hostId.optional() }),

  'volumes:list': obj(onHost),
  'volumes:create': obj({ ...onHost, spec: volumeCreate }),
  'volumes:inspect': obj({ ...onHost, name: resourceId }),
  'volumes:remove': obj({ ...onHost, name: resourceId, force: z.boolean().optional() }),
  'volumes:prune': obj(onHost),

  'networks:list': obj(onHost),
  'networks:create': obj({ ...onHost, spec: networkCreate }),
  'networks:inspect': obj(byId),
  'networks:remove': obj(byId),
  'networks:prune': obj(onHost),
  'networks:connect': obj({
    ...byId,
    containerId: resourceId,
    aliases: z.array(z.string().min(1).max(253)).max(64).optional(),
  }),
  'networks:disconnect': obj({ ...byId, containerId: resourceId, force: z.boolean().optional() }),

  'tasks:list': empty,
  'tasks:wait': obj({ taskId: id }),
  'tasks:cancel': obj({ taskId: id }),
} satisfies { [C in InvokeChannel]: z.ZodType<InvokeRequest<C>> };

export const streamSchemas = {
  'engine:events': obj(onHost),
  'containers:stats': obj(byId),
  'containers:logs': logsQuery,
  exec: execSpec,
} satisfies { [T in StreamTopic]: z.ZodType<StreamArgs<T>> };

export const transportSchemas = {
  'stream:open': obj({
    subId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a subscription id'),
    topic: z.enum(Object.keys(streamSchemas) as [StreamTopic, ...StreamTopic[]]),
    args: z.unknown(),
  }),
  'stream:close': obj({ subId: z.string().min(1).max(64) }),
  'upload:put': obj({
    name: z.string().min(1).max(255),
    data: z.union([z.instanceof(ArrayBuffer), z.instanceof(Uint8Array)]),
  }),
};

// Both directions, exactly: a schema may neither accept more nor less than its contract type.
type InvokeChecks = { [C in InvokeChannel]: Equals<z.output<(typeof invokeSchemas)[C]>, InvokeRequest<C>> };
type StreamChecks = { [T in StreamTopic]: Equals<z.output<(typeof streamSchemas)[T]>, StreamArgs<T>> };
type Failing<T> = { [K in keyof T]: T[K] extends true ? never : K }[keyof T];
/** Compile-time only: names the channels whose schema and contract type differ (never when all match). */
export type SchemaMismatches = Failing<InvokeChecks> | Failing<StreamChecks>;
const schemasMatchContract: [SchemaMismatches] extends [never] ? true : SchemaMismatches = true;
void schemasMatchContract;
