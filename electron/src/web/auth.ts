/**
 * Web mode's access rules: every HTTP request and WebSocket needs the random token (the URL's
 * ?token=, then the HttpOnly cookie it sets, or the X-Berth-Token header; a WebSocket sends it as a
 * subprotocol). Uploads and WebSockets must also come from our own origin (another page on this
 * machine, even on another port, is another origin), so a visited site cannot drive the engine.
 */
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_HEADER } from '../contract/protocol';

export const COOKIE = 'berth_token';
export const WS_PROTOCOL = 'berth.v1';
export const TOKEN_PROTOCOL_PREFIX = 'berth-token.';

export function sameToken(given: string | undefined, token: string): boolean {
  if (typeof given !== 'string' || given.length !== token.length) return false;
  return crypto.timingSafeEqual(Buffer.from(given), Buffer.from(token));
}

export function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return undefined;
}

/** Page loads: the token in the URL or the cookie. */
export function pageAuthorized(req: IncomingMessage, url: URL, token: string): boolean {
  return sameToken(url.searchParams.get('token') ?? undefined, token) || sameToken(cookieToken(req), token);
}

/** API calls (upload): the header (never the cookie alone, which a same-site page could ride on). */
export function apiAuthorized(req: IncomingMessage, token: string): boolean {
  const h = req.headers[TOKEN_HEADER];
  return sameToken(Array.isArray(h) ? h[0] : h, token);
}

/** The token a WebSocket offers as a subprotocol ("berth-token.<token>"), or in ?token= for scripts. */
export function wsToken(req: IncomingMessage, url: URL): string | undefined {
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const p = offered.find((x) => x.startsWith(TOKEN_PROTOCOL_PREFIX));
  return p ? p.slice(TOKEN_PROTOCOL_PREFIX.length) : (url.searchParams.get('token') ?? undefined);
}

/** A browser always sends Origin; it must be this server's. Clients without one (scripts) pass on the token alone. */
export function originAllowed(req: IncomingMessage, allowed: Set<string>): boolean {
  const origin = req.headers.origin;
  return origin === undefined || allowed.has(origin);
}
