/**
 * The one mapping from every failure the service layer meets to the contract's typed errors:
 * engine HTTP statuses (through dockerode), socket errors, connection failures, zod validation
 * issues and aborts. Handlers throw `ServiceError` (or let these through); the RPC layer turns
 * whatever was thrown into an `ErrorPayload` here, once.
 */
import { ZodError } from 'zod';
import type { ErrorCode, ErrorPayload, FieldIssue, FieldPath } from '../contract/errors';

export interface ServiceErrorOptions {
  field?: FieldPath;
  issues?: FieldIssue[];
  hint?: string;
  hostId?: string;
  cause?: unknown;
}

export class ServiceError extends Error {
  readonly field?: FieldPath;
  readonly issues?: FieldIssue[];
  readonly hint?: string;
  hostId?: string;

  constructor(
    readonly code: ErrorCode,
    message: string,
    opts: ServiceErrorOptions = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = code;
    if (opts.field) this.field = opts.field;
    if (opts.issues) this.issues = opts.issues;
    if (opts.hint) this.hint = opts.hint;
    if (opts.hostId) this.hostId = opts.hostId;
  }
}

export const invalidArgument = (message: string, field?: FieldPath): ServiceError =>
  new ServiceError('InvalidArgument', message, field ? { field } : {});
export const notFound = (message: string): ServiceError => new ServiceError('NotFound', message);
export const unavailable = (message: string, hint?: string): ServiceError =>
  new ServiceError('Unavailable', message, hint ? { hint } : {});

/** Engine error messages that concern one field of a form: message pattern → field path. */
export interface FieldHint {
  match: RegExp;
  field: FieldPath;
}

const HTTP_CODES: Record<number, ErrorCode> = {
  304: 'Conflict',
  400: 'InvalidArgument',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  406: 'Conflict',
  409: 'Conflict',
  412: 'FailedPrecondition',
  413: 'ResourceExhausted',
  500: 'Internal',
  501: 'NotImplemented',
  502: 'Unavailable',
  503: 'Unavailable',
  504: 'Timeout',
};

const ERRNO_CODES: Record<string, ErrorCode> = {
  ECONNREFUSED: 'Unavailable',
  ENOENT: 'Unavailable',
  ECONNRESET: 'Unavailable',
  EPIPE: 'Unavailable',
  EHOSTUNREACH: 'Unavailable',
  ENETUNREACH: 'Unavailable',
  ENOTSOCK: 'Unavailable',
  EACCES: 'Forbidden',
  EPERM: 'Forbidden',
  ETIMEDOUT: 'Timeout',
  ESOCKETTIMEDOUT: 'Timeout',
  ENOSPC: 'ResourceExhausted',
  EROFS: 'FailedPrecondition',
};

/** Connection error codes (connections/types.ts) → contract codes. */
const CONNECTION_CODES: Record<string, ErrorCode> = {
  Unreachable: 'Unavailable',
  AuthFailed: 'Unauthorized',
  HostKeyUnknownRejected: 'Forbidden',
  HostKeyChanged: 'Forbidden',
  SudoRefused: 'Unauthorized',
  NoSpace: 'ResourceExhausted',
  InstallFailed: 'Internal',
  AgentFailed: 'Unavailable',
  Timeout: 'Timeout',
  Cancelled: 'Cancelled',
  InvalidConfig: 'InvalidArgument',
  EngineStopped: 'Unavailable',
};

interface DockerodeLikeError {
  statusCode?: number;
  json?: unknown;
  reason?: string;
  message?: string;
  code?: string;
  name?: string;
}

function engineMessage(e: DockerodeLikeError): string {
  const json = e.json;
  if (json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string') {
    return (json as { message: string }).message.trim();
  }
  if (typeof json === 'string' && json.trim()) return json.trim();
  if (Buffer.isBuffer(json)) {
    const text = json.toString('utf8').trim();
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message.trim();
    } catch {
      /* plain text body */
    }
    if (text) return text;
  }
  // dockerode's own message: "(HTTP code 404) no such container - No such container: x "
  return (e.message ?? 'engine error').replace(/^\(HTTP code \d+\)\s*/, '').trim();
}

export function zodIssues(err: ZodError): FieldIssue[] {
  return err.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: i.message,
  }));
}

/** Turn anything thrown into the contract's error payload. */
export function toErrorPayload(err: unknown, ctx: { hostId?: string; fieldHints?: FieldHint[] } = {}): ErrorPayload {
  const payload = classify(err);
  const hostId = (err instanceof ServiceError && err.hostId) || ctx.hostId;
  if (hostId) payload.hostId = hostId;
  if (!payload.field && ctx.fieldHints) {
    const hint = ctx.fieldHints.find((h) => h.match.test(payload.message));
    if (hint) payload.field = hint.field;
  }
  return payload;
}

function classify(err: unknown): ErrorPayload {
  if (err instanceof ServiceError) {
    const p: ErrorPayload = { code: err.code, message: err.message };
    if (err.field) p.field = err.field;
    if (err.issues) p.issues = err.issues;
    if (err.hint) p.hint = err.hint;
    return p;
  }
  if (err instanceof ZodError) {
    const issues = zodIssues(err);
    const first = issues[0];
    const where = first && first.path.length ? `${first.path.join('.')}: ` : '';
    return {
      code: 'InvalidArgument',
      message: `invalid arguments: ${where}${first?.message ?? 'malformed request'}`,
      issues,
      ...(first ? { field: first.path } : {}),
    };
  }
  if (err === null || typeof err !== 'object') return { code: 'Internal', message: String(err) };
  const e = err as DockerodeLikeError;
  if (e.name === 'AbortError' || e.code === 'ABORT_ERR') return { code: 'Cancelled', message: 'cancelled' };
  if (typeof e.statusCode === 'number') {
    const code = HTTP_CODES[e.statusCode] ?? (e.statusCode >= 500 ? 'Internal' : 'InvalidArgument');
    return { code, message: engineMessage(e) };
  }
  if (typeof e.code === 'string' && CONNECTION_CODES[e.code]) {
    return { code: CONNECTION_CODES[e.code]!, message: e.message ?? e.code };
  }
  if (typeof e.code === 'string' && ERRNO_CODES[e.code]) {
    const code = ERRNO_CODES[e.code]!;
    const p: ErrorPayload = { code, message: e.message ?? e.code };
    if (e.code === 'EACCES')
      p.hint =
        'The engine socket is not open to this user: join its group (e.g. berth) or run the engine through Berth.';
    if (code === 'Unavailable') p.hint = 'The engine does not answer: check that it runs, then reconnect the host.';
    return p;
  }
  return { code: 'Internal', message: e.message ?? String(err) };
}

/** True for failures that mean "the engine went away" (the host should reconnect), not "the call was wrong". */
export function isTransportFailure(err: unknown): boolean {
  if (err instanceof ServiceError) return false;
  const code = (err as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    ['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ENOTSOCK', 'EHOSTUNREACH'].includes(code)
  );
}
