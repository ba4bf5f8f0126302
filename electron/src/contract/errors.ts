/**
 * Typed errors that cross the contract. Every failure the service layer reports (an engine's
 * HTTP status, a socket error, a malformed argument, a refused connection) is mapped once, in
 * services/errors.ts, to one of these codes; the UI maps the codes to its own words.
 */
export type ErrorCode =
  | 'InvalidArgument'
  | 'NotFound'
  | 'Conflict'
  | 'Unauthorized'
  | 'Forbidden'
  | 'FailedPrecondition'
  | 'ResourceExhausted'
  | 'Unavailable'
  | 'NotImplemented'
  | 'Timeout'
  | 'Cancelled'
  | 'Internal';

/** A path into the request, e.g. ['spec', 'ports', 0, 'hostPort'] for a form field. */
export type FieldPath = Array<string | number>;

export interface FieldIssue {
  path: FieldPath;
  message: string;
}

export interface ErrorPayload {
  code: ErrorCode;
  /** One sentence for a human. */
  message: string;
  /** The request field the error concerns (form errors): the UI shows it next to that field. */
  field?: FieldPath;
  /** Every validation issue, when the arguments were malformed. */
  issues?: FieldIssue[];
  /** What the user can do about it. */
  hint?: string;
  /** The host the failing call went to. */
  hostId?: string;
}

/** What every invoke resolves to: a value, or a typed error (never a rejected promise). */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorPayload };
