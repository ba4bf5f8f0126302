/**
 * Web mode's bridge: gives the page the same `window.berth` the Electron preload gives the window,
 * over the server's WebSocket (token from the page, same origin), reconnecting by itself. Uploads
 * go as HTTP POSTs with the token header. Browser-only code: no Node.
 */
import { createBridge, type Transport } from '../bridge/core';
import type { BerthBridge } from '../contract/bridge';
import type { Result } from '../contract/errors';
import { TOKEN_HEADER, UPLOAD_PATH, WS_PATH, type WsServerMessage, type ServerFrame } from '../contract/protocol';

const WS_PROTOCOL = 'berth.v1';
const TOKEN_PROTOCOL_PREFIX = 'berth-token.';

function pageToken(): string | undefined {
  const meta = document.querySelector('meta[name="berth-token"]')?.getAttribute('content');
  return meta ?? new URLSearchParams(location.search).get('token') ?? undefined;
}

export function createWebTransport(token: string): Transport {
  let ws: WebSocket | undefined;
  let nextId = 1;
  let connected = false;
  let retryMs = 250;
  const pending = new Map<number, (r: Result<unknown>) => void>();
  const queue: string[] = [];
  const frameListeners = new Set<(f: ServerFrame) => void>();
  const connListeners = new Set<(c: boolean) => void>();

  const setConnected = (c: boolean): void => {
    if (c === connected) return;
    connected = c;
    for (const l of [...connListeners]) l(c);
  };

  const connect = (): void => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${WS_PATH}`;
    const sock = new WebSocket(url, [WS_PROTOCOL, TOKEN_PROTOCOL_PREFIX + token]);
    ws = sock;
    sock.onopen = () => {
      retryMs = 250;
      setConnected(true);
      for (const m of queue.splice(0)) sock.send(m);
    };
    sock.onmessage = (ev) => {
      const m = JSON.parse(String(ev.data)) as WsServerMessage;
      if (m.t === 'result') {
        const done = pending.get(m.id);
        pending.delete(m.id);
        done?.(m.result);
      } else for (const l of [...frameListeners]) l(m);
    };
    sock.onclose = () => {
      ws = undefined;
      setConnected(false);
      for (const [id, done] of [...pending]) {
        pending.delete(id);
        done({ ok: false, error: { code: 'Unavailable', message: 'the connection to Berth was lost' } });
      }
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  };
  connect();

  return {
    mode: 'web',
    invoke(channel, req) {
      return new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        const msg = JSON.stringify({ t: 'invoke', id, channel, req });
        if (ws && ws.readyState === WebSocket.OPEN) ws.send(msg);
        else queue.push(msg);
      });
    },
    onFrame: (l) => void frameListeners.add(l),
    async upload(name, data) {
      try {
        const r = await fetch(`${UPLOAD_PATH}?name=${encodeURIComponent(name)}`, {
          method: 'POST',
          headers: { [TOKEN_HEADER]: token, 'Content-Type': 'application/octet-stream' },
          body: data,
          credentials: 'same-origin',
        });
        return (await r.json()) as Result<{ uploadId: string; size: number }>;
      } catch (err) {
        return { ok: false, error: { code: 'Unavailable', message: `the upload failed: ${(err as Error).message}` } };
      }
    },
    onConnection(l) {
      connListeners.add(l);
      return () => void connListeners.delete(l);
    },
  };
}

/** `window.berth` in both modes: the preload's in Electron, a WebSocket bridge in a browser. */
export function ensureBerthBridge(): BerthBridge {
  if (window.berth) return window.berth;
  const token = pageToken();
  if (!token) throw new Error('Berth web mode: open the URL printed by `npm run web` (it carries the token).');
  window.berth = createBridge(createWebTransport(token));
  return window.berth;
}
