/**
 * Errors the builder raises for a Dockerfile. They are InvalidArgument (HTTP 400 before the build
 * stream starts, an `errorDetail` message after) and carry the line so the UI can point at it.
 */
import { BerthError, InvalidArgument } from '../errdefs';

export class DockerfileError extends InvalidArgument {
  /** 1-based first and last line of the instruction (or of the offending line). */
  readonly line: number;
  readonly endLine: number;
  /** The message without the location prefix. */
  readonly detail: string;

  constructor(line: number, detail: string, opts: { endLine?: number; cause?: unknown; prefix?: string } = {}) {
    const prefix = opts.prefix ?? `Dockerfile parse error on line ${line}`;
    super(`${prefix}: ${detail}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.line = line;
    this.endLine = Math.max(line, opts.endLine ?? line);
    this.detail = detail;
  }
}

/** An error found while evaluating a step (expansion, validation against the build state). */
export function stepError(line: number, endLine: number, detail: string, cause?: unknown): DockerfileError {
  return new DockerfileError(line, detail, { endLine, cause, prefix: `Dockerfile line ${line}` });
}

export function isDockerfileError(err: unknown): err is DockerfileError {
  return err instanceof DockerfileError;
}

/** The same kind of error with `prefix` in front of its message (e.g. `COPY failed: `). */
export function withPrefix(err: unknown, prefix: string): Error {
  if (err instanceof BerthError) return new BerthError(err.kind, prefix + err.message, { cause: err });
  return new Error(prefix + (err instanceof Error ? err.message : String(err)), { cause: err });
}

/** Where in the Dockerfile an error happened (DockerfileError, or any error located by the planner). */
export interface ErrorLocation {
  line: number;
  endLine: number;
}

const LOCATION = Symbol('berth.build.location');

/** Records the instruction's lines on an error without changing its kind or message. */
export function locate<E extends Error>(err: E, line: number, endLine: number): E {
  if (!(err instanceof DockerfileError))
    (err as unknown as Record<symbol, ErrorLocation>)[LOCATION] = { line, endLine };
  return err;
}

export function locationOf(err: unknown): ErrorLocation | undefined {
  if (err instanceof DockerfileError) return { line: err.line, endLine: err.endLine };
  if (err instanceof Error) return (err as unknown as Record<symbol, ErrorLocation | undefined>)[LOCATION];
  return undefined;
}
