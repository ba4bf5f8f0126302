/**
 * The classic builder's JSON message stream, byte for byte as dockerd (API 1.43) writes it, so the
 * docker CLI renders it unchanged: one JSON object per write, `\r\n` after each, Go's HTML-safe
 * escaping (`<` → `\u003c`), stderr wrapped in red, errors as `errorDetail` + `error`.
 */

/** A string as Go's encoding/json writes it. */
export function goJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    const c = s.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029) {
      out += '\\u' + c.toString(16).padStart(4, '0');
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLow(s.charCodeAt(i + 1))) {
      out += ch + (s[++i] as string);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += '\\ufffd'; // a lone surrogate is invalid UTF-8 for Go
    } else out += ch;
  }
  return out + '"';
}

const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

const NL = '\r\n';

/** `{"stream":"…"}` */
export function streamMessage(text: string): string {
  return `{"stream":${goJsonString(text)}}${NL}`;
}

/** Container stderr during RUN, as dockerd colours it. */
export function stderrMessage(text: string): string {
  return streamMessage(`\u001b[91m${text}\u001b[0m`);
}

/** `{"aux":{"ID":"sha256:…"}}`: the CLI reads the image ID from it (`--iidfile`, `-q`). */
export function auxImageIdMessage(imageId: string): string {
  return `{"aux":{"ID":${goJsonString(imageId)}}}${NL}`;
}

/** `{"errorDetail":{"code":N,"message":"…"},"error":"…"}`; the CLI exits with N (1 when absent). */
export function errorMessage(message: string, code?: number): string {
  const detail = code ? `{"code":${code},"message":${goJsonString(message)}}` : `{"message":${goJsonString(message)}}`;
  return `{"errorDetail":${detail},"error":${goJsonString(message)}}${NL}`;
}

/** stringid.TruncateID: the hex part, 12 characters. */
export function shortId(id: string): string {
  const hex = id.includes(':') ? id.slice(id.indexOf(':') + 1) : id;
  return hex.slice(0, 12);
}

/** The texts the classic builder prints, each one write (= one message). */
export const buildText = {
  step: (n: number, total: number, text: string): string => `Step ${n}/${total} : ${text}\n`,
  result: (id: string): string => ` ---> ${shortId(id)}\n`,
  usingCache: (): string => ' ---> Using cache\n',
  runningIn: (containerId: string): string => ` ---> Running in ${shortId(containerId)}\n`,
  removedContainer: (containerId: string): string => `Removing intermediate container ${shortId(containerId)}\n`,
  triggers: (n: number): string => `# Executing ${n} build trigger${n > 1 ? 's' : ''}\n`,
  successfullyBuilt: (id: string): string => `Successfully built ${shortId(id)}\n`,
  successfullyTagged: (familiarName: string): string => `Successfully tagged ${familiarName}\n`,
  unusedBuildArgs: (args: readonly string[]): string =>
    `[Warning] One or more build-args [${args.join(' ')}] were not consumed\n`,
  parseWarnings: (warnings: readonly string[]): string[] =>
    warnings.length === 0
      ? []
      : [
          ...warnings.map((w) => `[WARNING]: ${w}\n`),
          '[WARNING]: Empty continuation lines will become errors in a future release.\n',
        ],
  cancelled: (): string => 'Build cancelled\n',
  runFailed: (argv: readonly string[], exitCode: number): string =>
    `The command '${argv.join(' ')}' returned a non-zero code: ${exitCode}`,
};

export type Sink = (chunk: string) => void;

/**
 * Writes a build's messages to a sink. With `quiet` (`q=1`) the messages are held back: on success
 * only the image ID is written, on failure everything held back and then the error, as dockerd does.
 */
export class BuildOutput {
  private held: string[] = [];
  private wrote = false;

  /** `backlog`: while the sink's consumer is behind, a promise that resolves when it caught up. */
  constructor(
    private readonly sink: Sink,
    private readonly quiet = false,
    private readonly pending: () => Promise<void> | undefined = () => undefined,
  ) {}

  /** A promise while the client is behind (see StepIO.backlog); quiet output is held anyway. */
  backlog(): Promise<void> | undefined {
    return this.quiet ? undefined : this.pending();
  }

  private write(chunk: string): void {
    this.wrote = true;
    if (this.quiet) this.held.push(chunk);
    else this.sink(chunk);
  }

  /**
   * Whether the build has produced output. Before that, an error is answered with an HTTP status
   * (`Error response from daemon: …`, as dockerd does for Dockerfile syntax errors); after it,
   * with `error()` in the stream.
   */
  get started(): boolean {
    return this.wrote;
  }

  stdout(text: string): void {
    this.write(streamMessage(text));
  }
  stderr(text: string): void {
    this.write(stderrMessage(text));
  }
  aux(imageId: string): void {
    this.write(auxImageIdMessage(imageId));
  }
  step(n: number, total: number, text: string): void {
    this.stdout(buildText.step(n, total, text));
  }

  /** The build succeeded: in quiet mode only the image ID is written. */
  success(imageId: string): void {
    if (this.quiet) {
      this.held = [];
      this.sink(streamMessage(`${imageId}\n`));
    }
  }

  error(message: string, code?: number): void {
    if (this.quiet) {
      for (const c of this.held) this.sink(c);
      this.held = [];
    }
    this.sink(errorMessage(message, code));
  }
}
