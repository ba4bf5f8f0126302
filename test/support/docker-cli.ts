/** Runs the real docker CLI (client only) against a berthd socket. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export const DOCKER = process.env.BERTH_DOCKER_CLI ?? '/usr/local/bin/docker';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI's environment in tests: its own config home, the classic build API, no hints. */
function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.BERTH_TEST_DOCKER_HOME ?? '/tmp/berth-docker-home',
    DOCKER_BUILDKIT: '0',
    DOCKER_CLI_HINTS: 'false',
    ...extra,
  };
}

export function docker(
  host: string,
  args: string[],
  opts: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(DOCKER, ['-H', host, ...args], { env: cliEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** A docker command left running (a build to interrupt …): its output so far and its end. */
export interface BackgroundCli {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  closed: Promise<void>;
}

export function dockerInBackground(host: string, args: string[]): BackgroundCli {
  const child = spawn(DOCKER, ['-H', host, ...args], { env: cliEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.resume();
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  return { child, stdout: () => out, closed };
}
