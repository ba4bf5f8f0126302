/**
 * Building blocks for the request schemas, and the type-level check that keeps every schema equal
 * to its contract type: `checked<T>()(schema)` fails to compile when the schema's output and T are
 * not mutually assignable, so the contract and its validation cannot drift apart.
 */
import { z } from 'zod';

/** Exact type equality (optional keys, unions and nesting included). */
export type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

export function checked<T>() {
  return <S extends z.ZodType>(
    schema: S & (Equals<z.output<S>, T> extends true ? unknown : { __schemaDoesNotMatchContract: [z.output<S>, T] }),
  ): S => schema;
}

export const hostId = z.string().min(1, 'a host id is required').max(200);
/** A container, image, network or exec id or name. */
export const resourceId = z
  .string()
  .min(1, 'an id or name is required')
  .max(512)
  .regex(/^[^\s/?#][^\s?#]*$/, 'not a valid id or name');
export const empty = z.strictObject({});
export const stringMap = z.record(z.string().min(1).max(1024), z.string().max(65536));
export const labels = stringMap;
export const absolutePath = z.string().min(1).max(4096).regex(/^\//, 'must be an absolute path');
/** moby's container/volume name rule. */
export const engineName = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, 'use letters, digits, "_", "." or "-" (at least 2 characters)')
  .max(128);
export const imageRef = z
  .string()
  .min(1, 'an image is required')
  .max(512)
  .regex(/^[^\s]+$/, 'an image reference has no spaces');
export const port = z.number().int().min(1).max(65535);
export const onHost = { hostId };
export const byId = { hostId, id: resourceId };
