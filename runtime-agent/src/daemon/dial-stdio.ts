/**
 * `berthd dial-stdio [-H unix://PATH]`: copy stdin to the API socket and the socket to stdout,
 * half-closing each way, so a transport with only a byte stream (an SSH exec channel, wsl.exe)
 * can carry HTTP to the agent.
 */
import net from 'node:net';
import { DEFAULT_SOCKET, socketPathFromHost } from './flags';

export function dialStdio(argv: string[]): Promise<number> {
  let host = process.env.BERTH_HOST ?? DEFAULT_SOCKET;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-H' || a === '--host') host = argv[++i] ?? host;
    else if (a.startsWith('--host=')) host = a.slice(7);
    else {
      process.stderr.write(`berthd dial-stdio: unknown argument ${a}\n`);
      return Promise.resolve(125);
    }
  }
  return new Promise((resolve) => {
    const sock = net.connect(socketPathFromHost(host));
    sock.on('error', (err) => {
      process.stderr.write(`berthd dial-stdio: ${err.message}\n`);
      resolve(1);
    });
    sock.on('connect', () => {
      process.stdin.pipe(sock);
      sock.pipe(process.stdout);
    });
    sock.on('end', () => {
      process.stdout.end();
    });
    sock.on('close', () => resolve(0));
    process.stdin.on('end', () => sock.end());
  });
}
