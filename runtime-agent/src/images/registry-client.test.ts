/**
 * The registry client against small fake registries on loopback: bearer challenge → token →
 * retry, tokens cached per scope, redirects to blob storage without the Authorization header,
 * retries on 5xx/429, https → http fallback for insecure hosts, and clear errors.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Digest } from './digest';
import { RegistryClient } from './registry-client';
import { Authorizer, TokenCache } from './registry/token';
import { Transport } from './registry/transport';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
const servers: http.Server[] = [];
const clients: RegistryClient[] = [];

async function serve(handler: Handler): Promise<string> {
  const s = http.createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(s.address() as AddressInfo).port}`;
}

function client(): RegistryClient {
  const c = new RegistryClient({ insecureRegistries: [], userAgent: 'berth-test', backoffMs: 5 });
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const blob = Buffer.from('layer bytes');
const blobDigest = sha256Digest(blob);
const manifest = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: blobDigest, size: blob.length },
    layers: [],
  }),
);

describe('registry client', () => {
  it('follows a bearer challenge, caches the token per scope, and drops auth on a cross-host redirect', async () => {
    const tokenRequests: string[] = [];
    const storageAuth: Array<string | undefined> = [];
    const storage = await serve((req, res) => {
      storageAuth.push(req.headers.authorization);
      res.end(blob);
    });
    let host = '';
    host = await serve((req, res) => {
      const url = new URL(req.url!, `http://${host}`);
      if (url.pathname === '/token') {
        tokenRequests.push(url.searchParams.getAll('scope').join(' '));
        expect(req.headers.authorization).toBe('Basic ' + Buffer.from('u:p').toString('base64'));
        res.end(JSON.stringify({ token: 'tok-1', expires_in: 300 }));
        return;
      }
      if (req.headers.authorization !== 'Bearer tok-1') {
        res.writeHead(401, {
          'WWW-Authenticate': `Bearer realm="http://${host}/token",service="fake",scope="repository:ns/app:pull"`,
        });
        res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
        return;
      }
      if (url.pathname === '/v2/ns/app/manifests/v1') {
        res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
        res.end(manifest);
        return;
      }
      if (url.pathname === `/v2/ns/app/blobs/${blobDigest}`) {
        res.writeHead(307, { Location: `http://${storage}/bucket/blob?sig=1` });
        res.end();
        return;
      }
      res.writeHead(404).end();
    });
    const repo = client().repository({ domain: host, path: 'ns/app' }, { username: 'u', password: 'p' });
    const m = await repo.getManifest('v1');
    expect(m.digest).toBe(sha256Digest(manifest));
    expect(m.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect((await repo.fetchSmallBlob(blobDigest, 1000)).equals(blob)).toBe(true);
    expect(tokenRequests).toEqual(['repository:ns/app:pull']);
    expect(storageAuth).toEqual([undefined]);
  });

  it('retries 5xx and 429 (Retry-After), then reports the registry message', async () => {
    let calls = 0;
    const host = await serve((req, res) => {
      calls++;
      if (calls === 1) res.writeHead(503).end();
      else if (calls === 2) res.writeHead(429, { 'Retry-After': '0' }).end();
      else if (req.url!.includes('/manifests/ok')) {
        res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }).end(manifest);
      } else {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
      }
    });
    const repo = client().repository({ domain: host, path: 'x' });
    await expect(repo.getManifest('ok')).resolves.toMatchObject({ digest: sha256Digest(manifest) });
    expect(calls).toBe(3);
    await expect(repo.getManifest('missing')).rejects.toThrow(/manifest unknown: manifest unknown/);
  });

  it('verifies content fetched by digest', async () => {
    const host = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }).end(manifest);
    });
    const repo = client().repository({ domain: host, path: 'x' });
    await expect(repo.getManifest(sha256Digest('other'))).rejects.toThrow(/manifest digest mismatch/);
  });

  it('falls back from https to http for a loopback registry and remembers it', async () => {
    let pings = 0;
    const host = await serve((req, res) => {
      if (req.url === '/v2/') pings++;
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }).end(manifest);
    });
    const c = client();
    const ep = await c.endpoints.resolve(host);
    expect(ep.base.protocol).toBe('http:');
    await c.endpoints.resolve(host);
    expect(pings).toBe(1);
    expect(c.endpoints.isInsecure('registry.example.com')).toBe(false);
    expect((await c.endpoints.resolve('registry.example.com')).base.href).toBe('https://registry.example.com/');
  });

  it('refuses to send credentials to a plain-http token realm of a secure registry', async () => {
    const a = new Authorizer({
      transport: new Transport('t'),
      cache: new TokenCache(),
      host: 'secure.example',
      credentials: { username: 'u', password: 'p' },
      allowHttpRealm: false,
    });
    a.learn('Bearer realm="http://auth.example/token",service="s"');
    await expect(a.header(['repository:x:pull'])).rejects.toThrow(/non-https token realm/);
  });
});
