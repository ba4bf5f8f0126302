/**
 * A test-only agent process around ContainerRuntime, so a test can kill a real agent with
 * SIGKILL (or stop it with SIGTERM) while its containers run. Started with
 * `node --import tsx runtime-agent-main.ts <dataRoot> <execRoot> <cgroupParent>`; reads one JSON
 * command per line on stdin ({op: "run", opts}) and answers one JSON line on stdout ({id} or
 * {error}). On SIGTERM it closes the runtime (containers keep running) and exits 0.
 */
import readline from 'node:readline';
import { ContainerRuntime } from '../../runtime-agent/src/runtime/runtime';
import type { CreateOptions } from '../../runtime-agent/src/runtime/spec/types';

const [dataRoot, execRoot, cgroupParent] = process.argv.slice(2) as [string, string, string];
const rt = new ContainerRuntime({ dataRoot, execRoot, cgroupParent });
await rt.init();
process.on('SIGTERM', () => {
  void rt.close().then(() => process.exit(0));
});
const rl = readline.createInterface({ input: process.stdin });
process.stdout.write(JSON.stringify({ ready: true, pid: process.pid }) + '\n');
for await (const line of rl) {
  const cmd = JSON.parse(line) as { op: 'run'; opts: CreateOptions; stdin?: string };
  try {
    const c = await rt.create(cmd.opts);
    if (cmd.stdin !== undefined) rt.attach(c.id, { stdin: true }, () => undefined).write(Buffer.from(cmd.stdin));
    await rt.start(c.id);
    process.stdout.write(JSON.stringify({ id: c.id, pid: rt.inspect(c.id).state.pid }) + '\n');
  } catch (err) {
    process.stdout.write(JSON.stringify({ error: (err as Error).message }) + '\n');
  }
}
