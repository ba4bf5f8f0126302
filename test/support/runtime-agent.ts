/** Drives test/support/runtime-agent-main.ts: a real agent process the test can kill. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CreateOptions } from '../../runtime-agent/src/runtime/spec/types';

const main = path.join(path.dirname(fileURLToPath(import.meta.url)), 'runtime-agent-main.ts');

export interface AgentProcess {
  child: ChildProcess;
  run(opts: CreateOptions, stdin?: string): Promise<{ id: string; pid: number }>;
  kill9(): Promise<void>;
  term(): Promise<number | null>;
}

export async function startAgentProcess(
  dataRoot: string,
  execRoot: string,
  cgroupParent: string,
): Promise<AgentProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', main, dataRoot, execRoot, cgroupParent], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const rl = readline.createInterface({ input: child.stdout! });
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  rl.on('line', (l) => {
    lines.push(l);
    wake?.();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const next = async (): Promise<Record<string, unknown>> => {
    while (!lines.length) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error('test agent exited');
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 200);
      });
    }
    return JSON.parse(lines.shift()!) as Record<string, unknown>;
  };
  await next();
  return {
    child,
    async run(opts, stdin) {
      child.stdin!.write(JSON.stringify({ op: 'run', opts, ...(stdin !== undefined ? { stdin } : {}) }) + '\n');
      const r = await next();
      if (r.error) throw new Error(String(r.error));
      return r as unknown as { id: string; pid: number };
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
      rl.close();
    },
    async term() {
      child.kill('SIGTERM');
      const code = await exited;
      rl.close();
      return code;
    },
  };
}
