/**
 * The renderer's only way out: `window.berth` (the preload's in Electron, the WebSocket client in
 * web mode). `call` turns the bridge's `Result` into a value or a thrown `BerthError`, so stores
 * can use try/catch and still keep the typed payload (code, field path, hint).
 */
import type { BerthBridge, ErrorPayload, FieldPath, InvokeChannel, InvokeRequest, InvokeResponse } from '@contract';

export class BerthError extends Error {
  constructor(readonly payload: ErrorPayload) {
    super(payload.message);
    this.name = payload.code;
  }
}

export function berth(): BerthBridge {
  return window.berth;
}

export async function call<C extends InvokeChannel>(channel: C, req: InvokeRequest<C>): Promise<InvokeResponse<C>> {
  const r = await window.berth.invoke(channel, req);
  if (!r.ok) throw new BerthError(r.error);
  return r.value;
}

/** The typed payload of anything a call threw (a transport fault becomes Internal). */
export function errorPayload(err: unknown): ErrorPayload {
  if (err instanceof BerthError) return err.payload;
  return { code: 'Internal', message: err instanceof Error ? err.message : String(err) };
}

/** A field path as the forms key it: ['spec', 'ports', 0, 'hostPort'] → "ports.0.hostPort" (prefix dropped). */
export function fieldKey(path: FieldPath, prefix?: string): string {
  const parts = prefix && path[0] === prefix ? path.slice(1) : path;
  return parts.join('.');
}

/**
 * Where an agent error lands in a form: every issue (or the one `field`) keyed by its path without
 * the request's prefix; what concerns no field comes back as `form`.
 */
export function fieldErrors(p: ErrorPayload, prefix?: string): { fields: Record<string, string>; form?: string } {
  const fields: Record<string, string> = {};
  const put = (path: FieldPath, message: string): void => {
    const key = fieldKey(path, prefix);
    if (key) fields[key] ??= message;
  };
  for (const i of p.issues ?? []) put(i.path, i.message);
  if (p.field) put(p.field, p.message);
  const placed = Object.keys(fields).length > 0;
  return placed ? { fields } : { fields, form: p.message };
}
