/** Runs a firewall tool with input on stdin; a failure carries the tool's stderr. */
import { spawn } from 'node:child_process';
import { FailedPrecondition, Internal } from '../../errdefs';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Runner = (cmd: string, args: string[], input?: string) => Promise<ExecResult>;

export const runTool: Runner = (cmd, args, input) =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(
        (e as NodeJS.ErrnoException).code === 'ENOENT'
          ? new FailedPrecondition(`firewall tool ${cmd} not found`, { cause: e })
          : new Internal(`cannot run ${cmd}: ${e.message}`, { cause: e }),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });

/** Run and throw Internal with the tool's message when it fails. */
export async function mustRun(run: Runner, cmd: string, args: string[], input?: string): Promise<string> {
  const r = await run(cmd, args, input);
  if (r.code !== 0) {
    const msg = r.stderr.trim().split('\n').slice(0, 6).join('\n');
    throw new Internal(`${cmd} ${args.join(' ')} failed (exit ${r.code}): ${msg}`);
  }
  return r.stdout;
}
