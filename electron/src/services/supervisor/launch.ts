/**
 * How to run the bundled berthd as root: directly (the app is root), through pkexec (a graphical
 * password prompt), through sudo (the password asked in the UI and written to sudo's stdin, never
 * stored), or by starting the systemd unit the .deb installs. Each yields a command line; the
 * engine itself runs detached, in its own session, logging to a file, so it outlives the app.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { LaunchMethod } from '../../contract/models/engine';
import type { HostEnv } from './host-env';
import { stageCommand, type Stage } from './stage';

/** The bundled engine: a program (Node, Electron run as Node, or the launcher) and its arguments. */
export interface EngineCommand {
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Copy the engine's files out of a transient mount (AppImage) before running it from there. */
  stage?: Stage;
}

export interface LaunchSpec {
  engine: EngineCommand;
  socketPath: string;
  dataRoot: string;
  execRoot: string;
  /** Group name or gid given the socket (mode 0660). */
  group: string;
  logLevel?: string;
  extraArgs?: string[];
  systemdUnit: string;
}

export interface Command {
  file: string;
  args: string[];
  env: Record<string, string>;
  /** Write the sudo password to stdin. */
  password?: string;
}

const PASS_ENV = [
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'TZ',
  'NODE_EXTRA_CA_CERTS',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];

export function engineEnv(spec: LaunchSpec): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of PASS_ENV) if (process.env[k]) env[k] = process.env[k]!;
  env.PATH ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return { ...env, ...spec.engine.env };
}

export function berthdArgs(spec: LaunchSpec): string[] {
  return [
    ...spec.engine.args,
    '-H',
    `unix://${spec.socketPath}`,
    '--data-root',
    spec.dataRoot,
    '--exec-root',
    spec.execRoot,
    '--group',
    spec.group,
    '--log-level',
    spec.logLevel ?? 'info',
    ...(spec.extraArgs ?? []),
  ];
}

/** `env K=V … program args` for pkexec and sudo, which do not pass the caller's environment on. */
function viaEnv(spec: LaunchSpec): string[] {
  const pairs = Object.entries(engineEnv(spec)).map(([k, v]) => `${k}=${v}`);
  const run = ['/usr/bin/env', ...pairs, spec.engine.command, ...berthdArgs(spec)];
  return spec.engine.stage ? stageCommand(spec.engine.stage, run) : run;
}

export function startCommand(method: LaunchMethod, spec: LaunchSpec, env: HostEnv, password?: string): Command {
  switch (method) {
    case 'direct':
      return { file: spec.engine.command, args: berthdArgs(spec), env: engineEnv(spec) };
    case 'pkexec':
      return { file: env.which('pkexec') ?? 'pkexec', args: viaEnv(spec), env: engineEnv(spec) };
    case 'sudo':
      return {
        file: env.which('sudo') ?? 'sudo',
        args: password === undefined ? ['-n', '--', ...viaEnv(spec)] : ['-S', '-p', '', '--', ...viaEnv(spec)],
        env: engineEnv(spec),
        ...(password !== undefined ? { password } : {}),
      };
    case 'systemd':
      return { file: env.which('systemctl') ?? 'systemctl', args: ['start', spec.systemdUnit], env: engineEnv(spec) };
  }
}

/** Stop the engine the way it was started (root can signal it; others need sudo/pkexec again). */
export function stopCommand(
  method: LaunchMethod,
  spec: LaunchSpec,
  env: HostEnv,
  pid: number,
  password?: string,
): Command | undefined {
  const kill = ['/bin/sh', '-c', 'kill -TERM "$1"', 'berth-stop', String(pid)];
  switch (method) {
    case 'direct':
      return undefined; // process.kill
    case 'pkexec':
      return { file: env.which('pkexec') ?? 'pkexec', args: kill, env: engineEnv(spec) };
    case 'sudo':
      return {
        file: env.which('sudo') ?? 'sudo',
        args: password === undefined ? ['-n', '--', ...kill] : ['-S', '-p', '', '--', ...kill],
        env: engineEnv(spec),
        ...(password !== undefined ? { password } : {}),
      };
    case 'systemd':
      return { file: env.which('systemctl') ?? 'systemctl', args: ['stop', spec.systemdUnit], env: engineEnv(spec) };
  }
}

/** Start the engine detached (own session, output appended to the log file): it outlives the app. */
export function spawnDetached(cmd: Command, logFile: string): ChildProcess {
  const fd = fs.openSync(logFile, 'a', 0o640);
  try {
    const child = spawn(cmd.file, cmd.args, {
      detached: true,
      stdio: [cmd.password !== undefined ? 'pipe' : 'ignore', fd, fd],
      env: cmd.env,
    });
    if (cmd.password !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(cmd.password + '\n');
    }
    child.on('error', () => undefined);
    child.unref();
    return child;
  } finally {
    fs.closeSync(fd);
  }
}

/** Run a short command (systemctl, a privileged kill, `sudo -n true`) with a timeout. */
export function runShort(cmd: Command, timeoutMs = 20_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd.file,
      cmd.args,
      { env: cmd.env, timeout: timeoutMs, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : null
          : 0;
        resolve({ code, output: `${stdout}${stderr}`.trim() || (err ? err.message : '') });
      },
    );
    if (cmd.password !== undefined) child.stdin?.end(cmd.password + '\n');
    else child.stdin?.end();
  });
}

/** Create the socket's group when it is missing (root only): `groupadd --system NAME`. */
export async function ensureGroup(name: string): Promise<void> {
  if (/^\d+$/.test(name)) return;
  let text = '';
  try {
    text = fs.readFileSync('/etc/group', 'utf8');
  } catch {
    /* no group file: groupadd will tell */
  }
  if (text.split('\n').some((l) => l.split(':')[0] === name)) return;
  const r = await runShort({
    file: 'groupadd',
    args: ['--system', name],
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
  });
  // 9: the group was created meanwhile (another instance) — fine.
  if (r.code !== 0 && r.code !== 9) throw new Error(`cannot create the group "${name}": ${r.output}`);
}
