/**
 * Web mode: serves the built UI on 127.0.0.1 at a port of its choosing and prints a URL with a
 * random token; without the token (or the cookie it sets) every request is refused.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { serveStatic } from './static';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

function parseArgs(argv: string[]): { port: number; host: string; token: string } {
  let port = 0;
  let token = process.env.BERTH_WEB_TOKEN ?? crypto.randomBytes(24).toString('base64url');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') port = Number(argv[++i]);
    else if (a === '--token') token = argv[++i] ?? token;
  }
  return { port, host: '127.0.0.1', token };
}

function main(): void {
  const { port, host, token } = parseArgs(process.argv.slice(2));
  const rendererDir = path.resolve(__dirname, '..', 'renderer');
  const cookieName = 'berth_token';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const cookies = Object.fromEntries(
      (req.headers.cookie ?? '').split(';').map((c) => c.trim().split('=') as [string, string]),
    );
    const given = url.searchParams.get('token') ?? cookies[cookieName];
    const ok =
      typeof given === 'string' &&
      given.length === token.length &&
      crypto.timingSafeEqual(Buffer.from(given), Buffer.from(token));
    if (!ok) {
      res.writeHead(401, { 'Content-Type': 'text/plain' }).end('Berth web mode: open the URL with its token.\n');
      return;
    }
    const headers: Record<string, string> = {
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    };
    if (url.searchParams.has('token')) {
      headers['Set-Cookie'] = `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    }
    serveStatic(rendererDir, url.pathname, res, headers);
  });
  server.listen(port, host, () => {
    const addr = server.address();
    const p = typeof addr === 'object' && addr ? addr.port : port;
    process.stdout.write(`Berth web UI: http://${host}:${p}/?token=${token}\n`);
  });
  const stop = (): void => {
    server.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main();
