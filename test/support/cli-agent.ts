/**
 * A berthd for a docker CLI suite: started with the fixture registry as an insecure registry,
 * the busybox fixture pulled, and a clean-up that removes every container, network and volume
 * the suite left before the agent stops.
 */
import { startBerthd, type BerthdHandle, type BerthdOptions } from './berthd';
import { docker, type CliResult } from './docker-cli';
import type { ProvidedRegistry } from './global-setup';

export interface CliAgent {
  d: BerthdHandle;
  /** The busybox fixture image, already pulled. */
  img: string;
  run(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<CliResult>;
  /** Run and expect exit 0; returns trimmed stdout. */
  ok(args: string[]): Promise<string>;
  /** Kill the agent with SIGKILL (containers live on) and start a new one on the same state. */
  restartAfterKill9(): Promise<void>;
  /** Remove every container, user network and volume, stop the agent, remove its directory. */
  close(): Promise<void>;
}

export async function startCliAgent(reg: ProvidedRegistry, opts: BerthdOptions = {}): Promise<CliAgent> {
  const args = ['--insecure-registry', reg.host, ...(opts.args ?? [])];
  const d = await startBerthd({ ...opts, args });
  // The socket path stays the same across restarts (it lives in the agent's directory).
  const run = (argv: string[], o: { input?: string; timeoutMs?: number } = {}) => docker(d.host, argv, o);
  const ok = async (argv: string[]): Promise<string> => {
    const r = await run(argv);
    if (r.code !== 0) throw new Error(`docker ${argv.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const img = reg.images.busybox;
  await ok(['pull', '-q', img]);
  const agent: CliAgent = {
    d,
    img,
    run,
    ok,
    async restartAfterKill9() {
      await agent.d.kill9();
      agent.d = await startBerthd({ ...opts, args, dir: agent.d.dir });
    },
    async close() {
      await cleanAgent(agent.d);
      await agent.d.stop();
      agent.d.cleanup();
    },
  };
  return agent;
}

/** Remove whatever containers, user networks and volumes an agent holds. */
export async function cleanAgent(d: BerthdHandle): Promise<void> {
  const list = async (args: string[]) => (await docker(d.host, args)).stdout.split('\n').filter((l) => l.trim() !== '');
  const ids = await list(['ps', '-aq']);
  if (ids.length) await docker(d.host, ['rm', '-f', ...ids]);
  const nets = (await list(['network', 'ls', '--format', '{{.Name}}'])).filter(
    (n) => !['bridge', 'host', 'none'].includes(n),
  );
  if (nets.length) await docker(d.host, ['network', 'rm', ...nets]);
  const vols = await list(['volume', 'ls', '-q']);
  if (vols.length) await docker(d.host, ['volume', 'rm', '-f', ...vols]);
}

/** The end of a suite's agent: whatever it holds removed, the agent stopped, its directory gone. */
export async function retireAgent(d: BerthdHandle | undefined): Promise<void> {
  if (!d) return;
  await cleanAgent(d);
  await d.stop();
  d.cleanup();
}
