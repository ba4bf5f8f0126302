/**
 * One request as a handler sees it: params, query, body readers and response writers, for normal
 * requests and for hijacked ones (`Upgrade: tcp`, answered with 101 as moby does for attach and
 * exec start). Streaming responses send their headers at once: `docker run` waits for the headers
 * of /wait before it calls /start.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable, type Duplex, type Writable } from 'node:stream';
import { InvalidArgument } from '../errdefs';
import type { Logger } from '../daemon/logger';
import { Query } from './query';

export const MAX_JSON_BODY = 16 * 1024 * 1024;

export interface RouteContext {
  readonly req: IncomingMessage;
  readonly method: string;
  readonly path: string;
  readonly params: Record<string, string>;
  readonly query: Query;
  /** API version of the request path (/v1.41/…), or the server's version for unversioned paths. */
  readonly apiVersion: string;
  readonly log: Logger;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /** True when the client asked to upgrade the connection (attach, exec start). */
  readonly upgrade: boolean;

  /** The raw request body as a stream (build context, image load, archive upload). */
  bodyStream(): NodeJS.ReadableStream;
  /** Read the whole body (bounded). */
  bodyBuffer(limit?: number): Promise<Buffer>;
  /** Read and parse a JSON body; an empty body gives undefined. Malformed JSON is a 400. */
  json<T = unknown>(limit?: number): Promise<T | undefined>;

  /** Send a JSON response. */
  sendJson(status: number, body: unknown, headers?: Record<string, string>): void;
  /** Send a status with no body. */
  sendStatus(status: number, headers?: Record<string, string>): void;
  /** Send text. */
  sendText(status: number, text: string, contentType?: string, headers?: Record<string, string>): void;
  /** Start a streamed response, headers flushed at once. */
  startStream(status: number, contentType: string, headers?: Record<string, string>): Writable;
  /**
   * Take over the connection: for upgrade requests write `101 UPGRADED` and return the socket;
   * otherwise send 200 headers with the given content type and return the response stream.
   */
  hijack(contentType: string): Duplex | Writable;
  /** True once a response has started. */
  readonly responded: boolean;
}

export interface ContextInit {
  req: IncomingMessage;
  res?: ServerResponse;
  socket?: Duplex;
  head?: Buffer;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  apiVersion: string;
  log: Logger;
  commonHeaders: Record<string, string>;
}

export function createContext(init: ContextInit): RouteContext {
  const { req, res, socket } = init;
  const controller = new AbortController();
  let responded = false;
  let bodyTaken = false;
  let head = init.head && init.head.length > 0 ? init.head : undefined;

  const abort = (): void => {
    if (!controller.signal.aborted) controller.abort();
  };
  if (res) {
    res.on('close', () => {
      if (!res.writableFinished) abort();
    });
  }
  if (socket) {
    socket.on('close', abort);
    socket.on('error', abort);
  }

  const takeBody = (): NodeJS.ReadableStream => {
    if (bodyTaken) throw new Error('request body already read');
    bodyTaken = true;
    if (!socket) return req;
    // Upgrade request: the body (Content-Length bytes) is at the front of head + socket data.
    return upgradeBody(req, socket, () => {
      const h = head;
      head = undefined;
      return h;
    });
  };

  const readAll = async (limit: number): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of takeBody() as AsyncIterable<Buffer | string>) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += b.length;
      if (size > limit) throw new InvalidArgument(`request body too large (limit ${limit} bytes)`);
      chunks.push(b);
    }
    return Buffer.concat(chunks);
  };

  const headersFor = (extra?: Record<string, string>): Record<string, string> => ({
    ...init.commonHeaders,
    ...extra,
  });

  const ensureRes = (): ServerResponse => {
    if (!res) throw new Error('no HTTP response object for an upgraded connection');
    if (responded) throw new Error('response already started');
    responded = true;
    return res;
  };

  const ctx: RouteContext = {
    req,
    method: req.method ?? 'GET',
    path: init.path,
    params: init.params,
    query: new Query(init.query),
    apiVersion: init.apiVersion,
    log: init.log,
    signal: controller.signal,
    upgrade: socket !== undefined,
    get responded() {
      return responded;
    },
    bodyStream: takeBody,
    bodyBuffer: (limit = MAX_JSON_BODY) => readAll(limit),
    async json<T>(limit = MAX_JSON_BODY): Promise<T | undefined> {
      const buf = await readAll(limit);
      const text = buf.toString('utf8').trim();
      if (text === '') return undefined;
      try {
        return JSON.parse(text) as T;
      } catch (err) {
        throw new InvalidArgument(`invalid JSON in request body: ${(err as Error).message}`);
      }
    },
    sendJson(status, body, headers) {
      if (socket && !res) {
        writeRawResponse(
          socket,
          status,
          JSON.stringify(body) + '\n',
          headersFor({ 'Content-Type': 'application/json', ...headers }),
        );
        responded = true;
        return;
      }
      const r = ensureRes();
      const payload = JSON.stringify(body) + '\n';
      r.writeHead(
        status,
        headersFor({
          'Content-Type': 'application/json',
          'Content-Length': String(Buffer.byteLength(payload)),
          ...headers,
        }),
      );
      r.end(req.method === 'HEAD' ? undefined : payload);
    },
    sendStatus(status, headers) {
      if (socket && !res) {
        writeRawResponse(socket, status, '', headersFor(headers));
        responded = true;
        return;
      }
      const r = ensureRes();
      r.writeHead(status, headersFor({ 'Content-Length': '0', ...headers }));
      r.end();
    },
    sendText(status, text, contentType = 'text/plain; charset=utf-8', headers) {
      if (socket && !res) {
        writeRawResponse(socket, status, text, headersFor({ 'Content-Type': contentType, ...headers }));
        responded = true;
        return;
      }
      const r = ensureRes();
      r.writeHead(
        status,
        headersFor({ 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(text)), ...headers }),
      );
      r.end(req.method === 'HEAD' ? undefined : text);
    },
    startStream(status, contentType, headers) {
      const r = ensureRes();
      r.writeHead(status, headersFor({ 'Content-Type': contentType, ...headers }));
      r.flushHeaders();
      return r;
    },
    hijack(contentType) {
      if (socket) {
        if (responded) throw new Error('response already started');
        responded = true;
        const hdrs = headersFor({ 'Content-Type': contentType, Connection: 'Upgrade', Upgrade: 'tcp' });
        let text = 'HTTP/1.1 101 UPGRADED\r\n';
        for (const [k, v] of Object.entries(hdrs)) text += `${k}: ${v}\r\n`;
        socket.write(text + '\r\n');
        if (head) {
          // Bytes the client sent after the request (e.g. stdin typed before start): keep them.
          socket.unshift(head);
          head = undefined;
        }
        return socket;
      }
      return ctx.startStream(200, contentType);
    },
  };
  return ctx;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

function writeRawResponse(socket: Duplex, status: number, body: string, headers: Record<string, string>): void {
  let text = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Status'}\r\n`;
  for (const [k, v] of Object.entries(headers)) text += `${k}: ${v}\r\n`;
  text += `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
  socket.end(text);
}

/** The Content-Length body of an upgrade request, read from `head` then the socket; the rest is left unread. */
function upgradeBody(req: IncomingMessage, socket: Duplex, takeHead: () => Buffer | undefined): NodeJS.ReadableStream {
  let remaining = Number.parseInt(String(req.headers['content-length'] ?? '0'), 10) || 0;
  const out = new Readable({ read() {} });
  const first = takeHead();
  const feed = (chunk: Buffer): void => {
    if (remaining <= 0) {
      socket.unshift(chunk);
      return;
    }
    const take = chunk.subarray(0, remaining);
    remaining -= take.length;
    out.push(take);
    const rest = chunk.subarray(take.length);
    if (remaining <= 0) {
      socket.off('data', onData);
      socket.pause();
      if (rest.length) socket.unshift(rest);
      out.push(null);
    }
  };
  const onData = (chunk: Buffer): void => feed(chunk);
  if (first) feed(first);
  if (remaining > 0) {
    socket.on('data', onData);
    socket.resume();
  } else if (!out.readableEnded) out.push(null);
  return out;
}
