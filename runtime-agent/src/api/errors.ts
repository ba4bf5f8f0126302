/** The one mapping from typed errors (errdefs) to Docker Engine API status codes. */
import { errorKind, errorMessage, type ErrorKind } from '../errdefs';

const STATUS: Record<ErrorKind, number> = {
  InvalidArgument: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  FailedPrecondition: 409,
  NotModified: 304,
  Internal: 500,
  ResourceExhausted: 500,
  NotImplemented: 501,
  Unavailable: 503,
};

export function statusOf(err: unknown): number {
  return STATUS[errorKind(err)];
}

/** Docker's error body: {"message": "..."}; the CLI prints "Error response from daemon: <message>". */
export function errorBody(err: unknown): { message: string } {
  return { message: errorMessage(err) };
}
