/** Errors across the worker boundary keep their kind (errdefs) and errno code. */
import { BerthError, ResourceExhausted, isBerthError, type ErrorKind } from '../errdefs';

export interface WireError {
  kind?: ErrorKind | undefined;
  message: string;
  code?: string | undefined;
}

export function serializeError(err: unknown): WireError {
  if (isBerthError(err)) return { kind: err.kind, message: err.message };
  const e = err as NodeJS.ErrnoException;
  return { message: e?.message ?? String(err), code: e?.code };
}

export function deserializeError(w: WireError, context: string): Error {
  if (w.kind) return new BerthError(w.kind, w.message);
  if (w.code === 'ENOSPC' || w.code === 'EDQUOT') {
    return new ResourceExhausted(`no space left on device while ${context}`);
  }
  const e = new Error(`${context}: ${w.message}`) as NodeJS.ErrnoException;
  if (w.code) e.code = w.code;
  return e;
}
