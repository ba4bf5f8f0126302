/**
 * One HTTP GET over a freshly dialed stream, outside any pool: the handshake check that an agent
 * answers (and which version it is) before a connection is declared up.
 */
import http from 'node:http';
import { ConnectionFailure, errorText } from '../errors';
import type { Dial } from './channel-agent';
import { asSocketLike } from './socket-like';

export interface ProbeResponse {
  status: number;
  body: string;
}

export function httpGet(dial: Dial, path: string, timeoutMs: number): Promise<ProbeResponse> {
  return new Promise<ProbeResponse>((resolve, reject) => {
    let done = false;
    const finish = (err: Error | undefined, res?: ProbeResponse): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(res!);
    };
    const req = http.request({
      host: 'berth-agent.invalid',
      path,
      method: 'GET',
      headers: { Connection: 'close' },
      createConnection: (_opts, cb) => {
        dial().then(
          (s) => cb(null, asSocketLike(s)),
          (err: unknown) => cb(err instanceof Error ? err : new Error(String(err)), undefined as never),
        );
        return undefined as never;
      },
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish(new ConnectionFailure('Timeout', `GET ${path}: no answer within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < 1 << 20) body += c;
      });
      res.on('end', () => {
        finish(undefined, { status: res.statusCode ?? 0, body });
        req.socket?.destroy();
      });
      res.on('error', (err) => finish(err));
    });
    req.on('error', (err) => finish(err instanceof ConnectionFailure ? err : new Error(errorText(err))));
    req.end();
  });
}
