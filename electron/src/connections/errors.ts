/**
 * ConnectionFailure: the one error class connections throw. It carries a typed code (what the UI
 * shows and whether retrying can help) and a message written for the user.
 */
import type { ConnectionError, ConnectionErrorCode } from './types';

export class ConnectionFailure extends Error implements ConnectionError {
  override readonly name = 'ConnectionFailure';
  constructor(
    readonly code: ConnectionErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON(): ConnectionError {
    return { code: this.code, message: this.message };
  }
}

export function isConnectionFailure(err: unknown): err is ConnectionFailure {
  return err instanceof ConnectionFailure;
}

/** Errors that retrying the same way cannot fix: the user must act (or the config is wrong). */
const PERMANENT: ReadonlySet<ConnectionErrorCode> = new Set([
  'AuthFailed',
  'HostKeyUnknownRejected',
  'HostKeyChanged',
  'SudoRefused',
  'NoSpace',
  'InvalidConfig',
  'Cancelled',
]);

export function isPermanent(err: unknown): boolean {
  return isConnectionFailure(err) && PERMANENT.has(err.code);
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Wraps anything thrown into a ConnectionFailure (keeping one that already is). */
export function asFailure(err: unknown, code: ConnectionErrorCode, prefix?: string): ConnectionFailure {
  if (isConnectionFailure(err)) return err;
  const msg = errorText(err);
  return new ConnectionFailure(code, prefix ? `${prefix}: ${msg}` : msg, { cause: err });
}

/** A plain description of a socket-level error code (ECONNREFUSED …) for messages. */
export function describeNetError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is an SSH server listening there?)';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to the host';
    case 'ETIMEDOUT':
      return 'the connection timed out';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name could not be resolved';
    case 'ECONNRESET':
      return 'the connection was reset';
    case 'EPIPE':
      return 'the connection was closed';
    default:
      return errorText(err);
  }
}
