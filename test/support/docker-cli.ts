/** Runs the real docker CLI (client only) against a berthd socket. */
import { spawn } from 'node:child_process';

export const DOCKER = process.env.BERTH_DOCKER_CLI ?? '/usr/local/bin/docker';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function docker(
  host: string,
  args: string[],
  opts: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(DOCKER, ['-H', host, ...args], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.BERTH_TEST_DOCKER_HOME ?? '/tmp/berth-docker-home',
        DOCKER_BUILDKIT: '0',
        DOCKER_CLI_HINTS: 'false',
        ...opts.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
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
