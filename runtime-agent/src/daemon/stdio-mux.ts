/**
 * `berthd stdio-mux [--ensure-agent] [agent flags]`: an SSH server (ssh2, JS crypto) speaking on
 * this process's stdin/stdout, so one long-lived process — `wsl.exe -d <distro> -u root --exec
 * … stdio-mux` — carries every API connection of the desktop app as an SSH channel. Starting the
 * process is the authentication (auth "none"); the host key is generated per run. The only
 * channels accepted are `direct-streamlocal@openssh.com` to the agent's own socket(s).
 * With --ensure-agent, the agent is first started or reused (see agent-supervisor.ts) and the
 * handshake JSON line goes to stderr; stdout carries nothing but SSH.
 */
import net from 'node:net';
import { Duplex } from 'node:stream';
// ssh2 is CommonJS: its classes come from the default export.
import ssh2, { type Connection } from 'ssh2';
import { errorMessage } from '../errdefs';
import { ensureAgent } from './agent-supervisor';
import { failureLine, parseAgentFlags } from './serve-remote';

export const STDIO_MUX_USAGE = `Usage: berthd stdio-mux [--ensure-agent] [-H unix://PATH] [--data-root DIR] [--exec-root DIR]
                        [--log-file FILE] [--log-level LEVEL] [--no-verify]

Serves SSH on stdin/stdout; each direct-streamlocal channel to the agent socket is one API
connection. With --ensure-agent the agent is started (or reused) first.
`;

/** stdin + stdout as one byte stream; stdin EOF ends the readable side. */
class StdioStream extends Duplex {
  constructor(
    private readonly input: NodeJS.ReadableStream = process.stdin,
    private readonly output: NodeJS.WritableStream = process.stdout,
  ) {
    super();
    input.on('data', (d: Buffer) => {
      if (!this.push(d)) input.pause();
    });
    input.on('end', () => this.push(null));
    input.on('error', (err: Error) => this.destroy(err));
    output.on('error', (err: Error) => this.destroy(err));
  }

  override _read(): void {
    this.input.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.output.write(chunk, (err?: Error | null) => cb(err));
  }

  override _final(cb: (err?: Error | null) => void): void {
    cb();
  }
}

function bridge(channel: Duplex, sock: net.Socket): void {
  channel.pipe(sock);
  sock.pipe(channel);
  const destroy = (): void => {
    sock.destroy();
    channel.destroy();
  };
  channel.on('error', destroy);
  sock.on('error', destroy);
  channel.on('close', () => sock.destroy());
  sock.on('close', () => channel.end());
}

export function serveSshOnStdio(allowedSockets: ReadonlySet<string>, io: Duplex = new StdioStream()): Promise<number> {
  const key = ssh2.utils.generateKeyPairSync('ed25519');
  return new Promise<number>((resolve) => {
    let done = false;
    const finish = (code: number): void => {
      if (done) return;
      done = true;
      io.destroy();
      resolve(code);
    };
    const server = new ssh2.Server({ hostKeys: [key.private], ident: 'berth-stdio-mux' }, (client: Connection) => {
      client.on('authentication', (ctx) => {
        if (ctx.method === 'none') ctx.accept();
        else ctx.reject(['none']);
      });
      client.on('ready', () => {
        client.on('openssh.streamlocal', (accept, reject, info) => {
          if (!allowedSockets.has(info.socketPath)) {
            process.stderr.write(`berthd stdio-mux: refused a channel to ${info.socketPath}\n`);
            reject();
            return;
          }
          const sock = net.connect(info.socketPath);
          let opened = false;
          sock.once('connect', () => {
            opened = true;
            bridge(accept(), sock);
          });
          sock.once('error', (err) => {
            if (!opened) {
              process.stderr.write(`berthd stdio-mux: ${info.socketPath}: ${err.message}\n`);
              reject();
            }
          });
        });
      });
      client.on('error', (err: Error) => process.stderr.write(`berthd stdio-mux: ${err.message}\n`));
      client.on('close', () => finish(0));
    });
    server.on('error', (err: Error) => {
      process.stderr.write(`berthd stdio-mux: ${err.message}\n`);
      finish(1);
    });
    io.on('close', () => finish(0));
    server.injectSocket(io as unknown as net.Socket);
  });
}

export async function stdioMux(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stderr.write(STDIO_MUX_USAGE);
    return 0;
  }
  let socket: string;
  try {
    const { opts, bools } = parseAgentFlags(argv, ['--ensure-agent']);
    socket = opts.socket;
    if (bools.has('--ensure-agent')) {
      const hs = await ensureAgent(opts);
      process.stderr.write(JSON.stringify(hs) + '\n');
    }
  } catch (err) {
    const line = failureLine(err);
    process.stderr.write(JSON.stringify(line) + '\n');
    return line.code === 'InstallCorrupt' ? 4 : 1;
  }
  try {
    return await serveSshOnStdio(new Set([socket]));
  } catch (err) {
    process.stderr.write(`berthd stdio-mux: ${errorMessage(err)}\n`);
    return 1;
  }
}
