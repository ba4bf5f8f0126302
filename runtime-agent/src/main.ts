/**
 * berthd: the Berth container engine. `berthd [flags]` runs the daemon; `berthd dial-stdio`
 * bridges stdin/stdout to the API socket (the SSH fallback transport, like `docker system dial-stdio`);
 * `berthd serve-remote` and `berthd stdio-mux` are the desktop app's remote and WSL2 set-up.
 */
import { errorMessage, isBerthError } from './errdefs';
import { Daemon } from './daemon/daemon';
import { parseFlags, USAGE } from './daemon/flags';
import { createLogger } from './daemon/logger';
import { dialStdio } from './daemon/dial-stdio';
import { serveRemote } from './daemon/serve-remote';
import { BERTH_VERSION, GIT_COMMIT } from './version';

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'dial-stdio') return dialStdio(argv.slice(1));
  if (argv[0] === 'serve-remote') return serveRemote(argv.slice(1));
  // Loaded on demand: it pulls in ssh2, which the daemon and dial-stdio do not need at start-up.
  if (argv[0] === 'stdio-mux') return (await import('./daemon/stdio-mux')).stdioMux(argv.slice(1));
  let flags;
  try {
    flags = parseFlags(argv);
  } catch (err) {
    process.stderr.write(`berthd: ${errorMessage(err)}\n`);
    return 125;
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (flags.version) {
    process.stdout.write(`Berth version ${BERTH_VERSION}, build ${GIT_COMMIT}\n`);
    return 0;
  }
  const log = createLogger(flags.logLevel);
  if (process.getuid?.() !== 0) {
    log.fatal('berthd needs to run as root (it creates namespaces, cgroups and mounts)');
    return 1;
  }
  const daemon = new Daemon({ flags, log });
  // Signal handlers go in before start(): the socket answers while start() still sets its mode,
  // and a SIGTERM in that window must shut down cleanly (containers keep running either way).
  const started = daemon.start();
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  let signalled = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) {
      log.warn('second signal: exiting now', { signal: sig });
      resolveExit(1);
      return;
    }
    signalled = true;
    log.info('received signal, shutting down', { signal: sig });
    started
      .catch(() => undefined)
      .then(() => daemon.stop())
      .then(
        () => resolveExit(0),
        (err: unknown) => {
          log.error('shutdown failed', { error: errorMessage(err) });
          resolveExit(1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGPIPE', () => undefined);
  try {
    await started;
  } catch (err) {
    log.fatal(`failed to start daemon: ${errorMessage(err)}`);
    if (!isBerthError(err) && err instanceof Error && err.stack) log.debug('stack', { stack: err.stack });
    return 1;
  }
  return await exited;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`berthd: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);
