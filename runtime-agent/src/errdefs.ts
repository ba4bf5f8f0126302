/**
 * Typed errors, after containerd's errdefs. Every layer of the agent throws these;
 * the API maps them once to HTTP status codes (api/errors.ts), the desktop app once to UI codes.
 */
export type ErrorKind =
  | 'InvalidArgument'
  | 'NotFound'
  | 'Conflict'
  | 'NotModified'
  | 'Unauthorized'
  | 'Forbidden'
  | 'Unavailable'
  | 'NotImplemented'
  | 'FailedPrecondition'
  | 'ResourceExhausted'
  | 'Internal';

export class BerthError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = kind;
  }
}

export class InvalidArgument extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('InvalidArgument', message, options);
  }
}
export class NotFound extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NotFound', message, options);
  }
}
export class Conflict extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Conflict', message, options);
  }
}
export class NotModified extends BerthError {
  constructor(message = 'not modified') {
    super('NotModified', message);
  }
}
export class Unauthorized extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Unauthorized', message, options);
  }
}
export class Forbidden extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Forbidden', message, options);
  }
}
export class Unavailable extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Unavailable', message, options);
  }
}
export class NotImplemented extends BerthError {
  constructor(message: string) {
    super('NotImplemented', message);
  }
}
export class FailedPrecondition extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FailedPrecondition', message, options);
  }
}
export class ResourceExhausted extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ResourceExhausted', message, options);
  }
}
export class Internal extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Internal', message, options);
  }
}

export function isBerthError(err: unknown): err is BerthError {
  return err instanceof BerthError;
}

export function errorKind(err: unknown): ErrorKind {
  if (err instanceof BerthError) return err.kind;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'ResourceExhausted';
  return 'Internal';
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
