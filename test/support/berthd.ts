/**
 * Runs the built berthd (dist/agent/berthd.cjs) for a test with its own socket, data root and
 * exec root under a temp dir; waits until /_ping answers. Logs go to a file the test can read.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { defaultPrefix } from '../../runtime-agent/src/network/config';
import { berthdBin } from './env';

export interface BerthdOptions {
  /** Reuse directories (e.g. to restart an agent on the same state). */
  dir?: string;
  args?: string[];
  env?: Record<string, string>;
  logLevel?: string;
  /** Extra -H sockets. */
  extraSockets?: string[];
  readyTimeoutMs?: number;
}

export interface BerthdHandle {
  readonly dir: string;
  readonly socket: string;
  readonly host: string;
  /** The daemon's data root: <dir>/data, unless given in args. */
  readonly dataRoot: string;
  /** The daemon's exec root: <dir>/exec, unless given in args. */
  readonly execRoot: string;
  readonly logFile: string;
  /** The daemon's own cgroup parent (berth-test-<dir name>, unless given in args). */
  readonly cgroupParent: string;
  readonly child: ChildProcess;
  readonly pid: number;
  log(): string;
  /** SIGTERM and wait; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait (the agent dies; containers must not). */
  kill9(): Promise<void>;
  /** Remove the temp dir (after stop); a data or exec root given in args is the caller's to remove. */
  cleanup(): void;
}

export function request(
  socket: string,
  method: string,
  urlPath: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; json: () => unknown }> {
  return new Promise((resolve, reject) => {
    const payload =
      body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const req = http.request(
      {
        socketPath: socket,
        method,
        path: urlPath,
        headers: {
          ...(payload !== undefined
            ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) }
            : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
            json: () => JSON.parse(text) as unknown,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export async function waitForPing(socket: string, timeoutMs = 15_000, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null)
      throw new Error(`berthd exited with code ${child.exitCode} before it answered`);
    try {
      const r = await request(socket, 'GET', '/_ping');
      if (r.status === 200) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`berthd did not answer /_ping on ${socket} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * rmdir <hierarchy>/<parent> in every cgroup hierarchy, child cgroups first: a container that
 * exited after its daemon stopped leaves its (empty) cgroup, which nobody else would remove.
 * The kernel refuses to remove a cgroup that still has processes, so live ones stay.
 */
export function removeCgroupParent(parent: string): void {
  const rmTree = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // not there
    }
    for (const e of entries) if (e.isDirectory()) rmTree(path.join(dir, e.name));
    try {
      fs.rmdirSync(dir);
    } catch {
      /* still in use */
    }
  };
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    if (!/ - cgroup2? /.test(line)) continue;
    rmTree(path.join(line.split(' ')[4]!, parent));
  }
}

/**
 * Remove the kernel side a stopped daemon left (its bridges and veths, named after its network
 * prefix, and its nft table): an agent stopped with containers, or killed, keeps them on purpose
 * for the next agent, which a test never starts.
 */
export function removeNetworkLeftovers(prefix: string): void {
  const links = fs.existsSync('/sys/class/net')
    ? fs.readdirSync('/sys/class/net').filter((n) => n.startsWith(prefix))
    : [];
  for (const l of links) spawnSync('ip', ['link', 'delete', l], { stdio: 'ignore' });
  spawnSync('nft', ['delete', 'table', 'ip', prefix], { stdio: 'ignore' });
}

/**
 * The value berthd takes for `flag` from `args`: the last occurrence, as `--flag value` or
 * `--flag=value` (berthd, like dockerd, lets a later flag win).
 */
export function flagValue(args: readonly string[], flag: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag && i + 1 < args.length) value = args[++i];
    else if (args[i]!.startsWith(`${flag}=`)) value = args[i]!.slice(flag.length + 1);
  }
  return value;
}

export async function startBerthd(opts: BerthdOptions = {}): Promise<BerthdHandle> {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'berthd-test-'));
  const socket = path.join(dir, 'berth.sock');
  const extra = opts.args ?? [];
  // A data root, exec root or cgroup parent in `args` replaces the harness's own (which is then
  // not passed at all), and the handle reports the one the daemon uses.
  const own = (flag: string, fallback: string): { value: string; args: string[] } => {
    const given = flagValue(extra, flag);
    return given !== undefined ? { value: given, args: [] } : { value: fallback, args: [flag, fallback] };
  };
  const data = own('--data-root', path.join(dir, 'data'));
  const exec = own('--exec-root', path.join(dir, 'exec'));
  // Unique per state dir, so a restarted daemon on the same dir finds its containers' cgroups.
  const cgroup = own('--cgroup-parent', `berth-test-${path.basename(dir).replace(/^berthd-test-/, '')}`);
  const dataRoot = data.value;
  const execRoot = exec.value;
  const cgroupParent = cgroup.value;
  const logFile = path.join(dir, 'berthd.log');
  const out = fs.openSync(logFile, 'a');
  const args = [
    berthdBin,
    '-H',
    `unix://${socket}`,
    ...(opts.extraSockets ?? []).flatMap((s) => ['-H', `unix://${s}`]),
    ...data.args,
    ...exec.args,
    '--log-level',
    opts.logLevel ?? 'debug',
    // Tests reach containers from the host only: no need to turn on the host's IP forwarding.
    ...(extra.some((a) => a.startsWith('--ip-forward')) ? [] : ['--ip-forward=false']),
    ...cgroup.args,
    ...extra,
  ];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', out, out],
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: process.env.HOME ?? '/root', ...opts.env },
  });
  fs.closeSync(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitForPing(socket, opts.readyTimeoutMs ?? 20_000, child);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n--- berthd log ---\n${fs.readFileSync(logFile, 'utf8')}`, {
      cause: err,
    });
  }
  return {
    dir,
    socket,
    host: `unix://${socket}`,
    dataRoot,
    execRoot,
    logFile,
    cgroupParent,
    child,
    pid: child.pid ?? -1,
    log: () => fs.readFileSync(logFile, 'utf8'),
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
    async kill9() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
    cleanup() {
      removeCgroupParent(cgroupParent);
      removeNetworkLeftovers(flagValue(extra, '--network-prefix') ?? defaultPrefix(dataRoot));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
