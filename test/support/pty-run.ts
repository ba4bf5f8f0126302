/**
 * Run a command under a real pseudo-terminal (util-linux `script`), feeding scripted input, for
 * `docker run -it` / `docker exec -it` tests: the CLI only enters its TTY mode on a terminal.
 */
import { spawn } from 'node:child_process';

export interface PtyResult {
  code: number;
  output: string;
}

/** Input lines are written one by one after a delay, as a person typing would. */
export function runInPty(
  argv: string[],
  input: string[],
  opts: { delayMs?: number; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<PtyResult> {
  const quoted = argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', quoted, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp/berth-docker-home', TERM: 'xterm', ...opts.env },
    });
    const out: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => out.push(c));
    let i = 0;
    const timer = setInterval(() => {
      if (i < input.length) child.stdin.write(input[i++]!);
      else clearInterval(timer);
    }, opts.delayMs ?? 400);
    const kill = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      clearTimeout(kill);
      resolve({ code: code ?? -1, output: Buffer.concat(out).toString('utf8').replace(/\r/g, '') });
    });
  });
}
