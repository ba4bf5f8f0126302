/**
 * `npm run web`: the Berth UI in a browser. Serves the built renderer on 127.0.0.1 at a port of its
 * choosing, prints a URL with a random token, carries the contract over a WebSocket to the same
 * service layer the desktop app uses, and brings up the local engine through the supervisor.
 *
 * Options: see USAGE (`npm run web -- --help`).
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { connectionFactoryFor, findAgentBundle } from '../services/hosts/connection-factory';
import { AppServices } from '../services/app';
import { localEngineOptions, userDirs, type LocalEngineOverrides } from '../services/local-engine';
import type { EngineState } from '../contract/models/engine';
import { startWebServer } from './server';

const USAGE = `Usage: npm run web -- [options]

Serves the Berth UI on 127.0.0.1 and prints its URL (with the access token).

  --port N                 port (default: any free port)
  --token T                access token (default: random; or BERTH_WEB_TOKEN)
  --config-dir DIR         settings (default: $XDG_CONFIG_HOME/berth)
  --state-dir DIR          state and engine log (default: $XDG_STATE_HOME/berth)
  --engine-socket PATH     local engine socket (default: /run/berth/berth.sock)
  --data-root DIR          engine data root (default: /var/lib/berth)
  --exec-root DIR          engine exec root (default: /run/berth)
  --engine-group NAME      group given the engine socket when Berth starts it as root (default: berth)
  --engine-log-level L     debug | info | warn | error
  --no-engine              do not look for or start a local engine
`;

declare const __BERTH_VERSION__: string | undefined;
const VERSION = typeof __BERTH_VERSION__ === 'string' ? __BERTH_VERSION__ : '0.0.0-dev';

interface Args {
  port: number;
  token: string;
  configDir?: string;
  stateDir?: string;
  engine: boolean;
  overrides: LocalEngineOverrides;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    port: 0,
    token: process.env.BERTH_WEB_TOKEN ?? crypto.randomBytes(24).toString('base64url'),
    engine: true,
    overrides: {},
  };
  const value = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i]!;
    if (f === '--port') a.port = Number(value(++i, f));
    else if (f === '--token') a.token = value(++i, f);
    else if (f === '--config-dir') a.configDir = value(++i, f);
    else if (f === '--state-dir') a.stateDir = value(++i, f);
    else if (f === '--engine-socket') a.overrides.socketPath = value(++i, f);
    else if (f === '--data-root') a.overrides.dataRoot = value(++i, f);
    else if (f === '--exec-root') a.overrides.execRoot = value(++i, f);
    else if (f === '--engine-group') a.overrides.group = value(++i, f);
    else if (f === '--engine-log-level') a.overrides.logLevel = value(++i, f);
    else if (f === '--no-engine') a.engine = false;
    else if (f === '--help' || f === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new Error(`unknown flag ${f} (see --help)`);
  }
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) throw new Error('--port takes 0..65535');
  if (!/^[A-Za-z0-9_-]{16,}$/.test(a.token))
    throw new Error('the token needs at least 16 characters of A-Z a-z 0-9 _ -');
  return a;
}

function describe(s: EngineState): string {
  if (s.status === 'running')
    return `running on ${s.socketPath} (berthd ${s.version ?? '?'}, ${s.origin === 'external' ? 'already running' : `started by Berth${s.pid ? `, pid ${s.pid}` : ''}`})${s.warning ? ` — ${s.warning}` : ''}`;
  if (s.status === 'failed' || (s.status === 'stopped' && s.reason))
    return `${s.status}: ${s.reason ?? ''}${s.hint ? `\n  what to do: ${s.hint}` : ''}`;
  return s.status;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dirs = userDirs({
    ...(args.configDir ? { configDir: args.configDir } : {}),
    ...(args.stateDir ? { stateDir: args.stateDir } : {}),
  });
  const distDir = path.resolve(__dirname, '..');
  const bundleDir = findAgentBundle([process.env.BERTH_AGENT_BUNDLE, path.join(distDir, 'agent-bundle', VERSION)]);
  const services = new AppServices({
    mode: 'web',
    version: VERSION,
    connectionFactory: connectionFactoryFor(bundleDir),
    configDir: dirs.configDir,
    stateDir: dirs.stateDir,
    ...(args.engine && process.platform === 'linux'
      ? {
          supervisor: localEngineOptions({
            version: VERSION,
            stateDir: dirs.stateDir,
            agentDirs: [path.join(distDir, 'agent')],
            overrides: args.overrides,
          }),
        }
      : {}),
  });
  for (const w of services.config.warnings) console.warn(`berth-web: ${w}`);
  services.supervisor?.onState((s) => {
    if (['running', 'failed', 'stopped', 'starting'].includes(s.status)) console.log(`Berth engine: ${describe(s)}`);
  });
  const server = await startWebServer({
    services,
    rendererDir: path.join(distDir, 'renderer'),
    token: args.token,
    port: args.port,
  });
  console.log(`Berth web UI: ${server.url}`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    // The engine keeps running (its containers too); the next start finds it.
    void Promise.allSettled([server.close(), services.dispose()]).then(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await services.start();
}

main().catch((err: unknown) => {
  console.error(`berth-web: ${(err as Error).message}`);
  process.exit(1);
});
