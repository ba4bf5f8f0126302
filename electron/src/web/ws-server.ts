/**
 * The contract over a WebSocket: one session per connection (closed, with its streams, when the
 * socket closes or stops answering pings), `invoke` messages answered with `result`, and events
 * and stream data pushed as frames. A client that cannot keep up is disconnected rather than
 * buffered without bound; it reconnects by itself.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { WS_PATH, type WsServerMessage } from '../contract/protocol';
import type { Dispatcher } from '../services/rpc/dispatcher';
import { WS_PROTOCOL, originAllowed, sameToken, wsToken } from './auth';

export interface WsOptions {
  token: string;
  allowedOrigins: () => Set<string>;
  dispatcher: Dispatcher;
  /** Disconnect a client with more than this many bytes waiting to be sent. */
  maxBufferedBytes?: number;
  heartbeatMs?: number;
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`,
  );
}

export function attachWebSocket(server: Server, o: WsOptions): { close(): void; readonly clients: number } {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 8 << 20,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  const maxBuffered = o.maxBufferedBytes ?? 32 << 20;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== WS_PATH) return refuse(socket, 404, 'Not Found');
    if (!o.allowedOrigins().has(`http://${req.headers.host ?? ''}`)) return refuse(socket, 421, 'Misdirected Request');
    if (!originAllowed(req, o.allowedOrigins())) return refuse(socket, 403, 'Forbidden');
    if (!sameToken(wsToken(req, url), o.token)) return refuse(socket, 401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  };

  const onConnection = (ws: WebSocket): void => {
    let alive = true;
    const send = (m: WsServerMessage): void => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > maxBuffered) {
        ws.close(1013, 'too slow: reconnect');
        return;
      }
      ws.send(JSON.stringify(m));
    };
    const session = o.dispatcher.openSession(send);
    const beat = setInterval(() => {
      if (!alive) {
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, o.heartbeatMs ?? 30_000);
    beat.unref();
    ws.on('pong', () => (alive = true));
    ws.on('message', (raw, isBinary) => {
      alive = true;
      if (isBinary) return ws.close(1003, 'text frames only');
      let msg: { t?: unknown; id?: unknown; channel?: unknown; req?: unknown };
      try {
        msg = JSON.parse(raw.toString()) as typeof msg;
      } catch {
        return ws.close(1007, 'not JSON');
      }
      if (!msg || msg.t !== 'invoke' || typeof msg.id !== 'number') return ws.close(1008, 'not an invoke message');
      const id = msg.id;
      void o.dispatcher.invoke(session, msg.channel, msg.req).then((result) => send({ t: 'result', id, result }));
    });
    ws.on('close', () => {
      clearInterval(beat);
      session.close();
    });
    ws.on('error', () => ws.terminate());
  };

  server.on('upgrade', onUpgrade);
  return {
    get clients() {
      return wss.clients.size;
    },
    close() {
      server.off('upgrade', onUpgrade);
      for (const c of wss.clients) c.terminate();
      wss.close();
    },
  };
}
