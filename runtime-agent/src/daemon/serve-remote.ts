/**
 * `berthd serve-remote [flags]`: run by the desktop app over SSH (as root, or through sudo) to make
 * sure this install's agent serves the socket (see agent-supervisor.ts). Prints exactly one JSON
 * line on stdout, the handshake the app parses, and exits 0; on failure the line has ok:false and
 * a code, and the exit status is 4 for a damaged install (the app reinstalls) or 1 otherwise.
 */
import { errorMessage } from '../errdefs';
import { DEFAULT_DATA_ROOT, DEFAULT_EXEC_ROOT, DEFAULT_SOCKET, socketPathFromHost } from './flags';
import { AgentSetupError, ensureAgent, type AgentHandshake, type EnsureAgentOptions } from './agent-supervisor';
import { isLogLevel } from './logger';

export const SERVE_REMOTE_USAGE = `Usage: berthd serve-remote [-H unix://PATH] [--data-root DIR] [--exec-root DIR]
                           [--log-file FILE] [--log-level LEVEL] [--owner UID] [--no-verify]

Starts this install's berthd on the socket unless it already runs there (an agent of another
version is stopped and replaced), then prints one JSON line describing it.
`;

/** Parses the flags shared by serve-remote and stdio-mux into ensureAgent options. */
export function parseAgentFlags(
  argv: readonly string[],
  extraBool: readonly string[] = [],
): {
  opts: EnsureAgentOptions;
  bools: Set<string>;
} {
  let host = DEFAULT_SOCKET;
  const opts: EnsureAgentOptions = { socket: '', dataRoot: DEFAULT_DATA_ROOT, execRoot: DEFAULT_EXEC_ROOT };
  const bools = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (name === '--no-verify' || extraBool.includes(name)) {
      bools.add(name);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new AgentSetupError('InvalidArgument', `flag needs an argument: ${name}`);
    switch (name) {
      case '-H':
      case '--host':
        host = value;
        break;
      case '--data-root':
        opts.dataRoot = value;
        break;
      case '--exec-root':
        opts.execRoot = value;
        break;
      case '--log-file':
        opts.logFile = value;
        break;
      case '--log-level':
        if (!isLogLevel(value)) throw new AgentSetupError('InvalidArgument', `invalid log level "${value}"`);
        opts.logLevel = value;
        break;
      case '--owner': {
        const uid = Number(value);
        if (!Number.isInteger(uid) || uid < 0)
          throw new AgentSetupError('InvalidArgument', `invalid --owner "${value}"`);
        opts.owner = uid;
        break;
      }
      default:
        throw new AgentSetupError('InvalidArgument', `unknown flag: ${arg}`);
    }
  }
  try {
    opts.socket = socketPathFromHost(host);
  } catch (err) {
    throw new AgentSetupError('InvalidArgument', errorMessage(err));
  }
  if (bools.has('--no-verify')) opts.verify = false;
  return { opts, bools };
}

export function failureLine(err: unknown): AgentHandshake & { ok: false } {
  if (err instanceof AgentSetupError) return { berth: 'agent', ok: false, code: err.code, message: err.message };
  return { berth: 'agent', ok: false, code: 'AgentFailed', message: errorMessage(err) };
}

export async function serveRemote(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(SERVE_REMOTE_USAGE);
    return 0;
  }
  let line: AgentHandshake;
  try {
    if (process.getuid?.() !== 0) throw new AgentSetupError('AgentFailed', 'serve-remote must run as root');
    const { opts } = parseAgentFlags(argv);
    line = await ensureAgent(opts);
  } catch (err) {
    line = failureLine(err);
  }
  process.stdout.write(JSON.stringify(line) + '\n');
  if (line.ok) return 0;
  return line.code === 'InstallCorrupt' ? 4 : 1;
}
