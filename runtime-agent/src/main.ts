/**
 * berthd: the Berth container engine. `berthd [flags]` runs the daemon; `berthd dial-stdio`
 * bridges stdin/stdout to the API socket (the SSH fallback transport, like `docker system dial-stdio`).
 */
import { errorMessage, isBerthError } from './errdefs';
import { Daemon } from './daemon/daemon';
import { parseFlags, USAGE } from './daemon/flags';
import { createLogger } from './daemon/logger';
import { dialStdio } from './daemon/dial-stdio';
import { BERTH_VERSION, GIT_COMMIT } from './version';

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'dial-stdio') return dialStdio(argv.slice(1));
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
  // Signal handlers go in before start: the socket answers before start() returns (its mode and
  // owner are set after listen), and a SIGTERM in that window must stop the daemon, not kill it.
  let started = false;
  let signalled: NodeJS.Signals | undefined;
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));
  const shutdown = (): void => {
    daemon.stop().then(
      () => finish(0),
      (err: unknown) => {
        log.error('shutdown failed', { error: errorMessage(err) });
        finish(1);
      },
    );
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) {
      log.warn('second signal: exiting now', { signal: sig });
      finish(1);
      return;
    }
    signalled = sig;
    log.info('received signal, shutting down', { signal: sig });
    if (started) shutdown();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGPIPE', () => undefined);
  try {
    await daemon.start();
  } catch (err) {
    log.fatal(`failed to start daemon: ${errorMessage(err)}`);
    if (!isBerthError(err) && err instanceof Error && err.stack) log.debug('stack', { stack: err.stack });
    return 1;
  }
  started = true;
  if (signalled) shutdown();
  return await done;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`berthd: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);
