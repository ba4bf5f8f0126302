/**
 * `X-Registry-Config` of POST /build: base64url JSON of {registry: AuthConfig} (the CLI sends every
 * login it knows), used for the pulls of FROM and COPY --from images.
 */
import { InvalidArgument } from '../../../errdefs';
import { authKeys, decodeRegistryAuth, type Credentials } from '../../../images/auth';

export type CredentialsLookup = (host: string) => Credentials | undefined;

export function parseRegistryConfig(header: string | undefined): CredentialsLookup {
  if (!header || header.trim() === '') return () => undefined;
  let obj: unknown;
  try {
    const b64 = header.trim().replace(/-/g, '+').replace(/_/g, '/');
    obj = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
  } catch {
    throw new InvalidArgument('invalid X-Registry-Config header: want base64url-encoded JSON');
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new InvalidArgument('invalid X-Registry-Config header: not a JSON object');
  }
  const byHost = new Map<string, Credentials>();
  for (const [server, conf] of Object.entries(obj as Record<string, unknown>)) {
    if (typeof conf !== 'object' || conf === null) continue;
    const creds = decodeRegistryAuth(Buffer.from(JSON.stringify(conf)).toString('base64'));
    if (!creds) continue;
    const host = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    byHost.set(host, creds);
    byHost.set(server, creds);
  }
  return (host) => {
    for (const k of authKeys(host)) {
      const c = byHost.get(k);
      if (c) return c;
    }
    return byHost.get(host);
  };
}
