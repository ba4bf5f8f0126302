import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuthFile, credentialsFor, decodeRegistryAuth } from './auth';
import { parseChallenge, TokenCache } from './registry/token';

const b64url = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('registry credentials', () => {
  it('decodes X-Registry-Auth as the CLI and dockerode send it', () => {
    expect(decodeRegistryAuth('e30=')).toBeUndefined();
    expect(decodeRegistryAuth(undefined)).toBeUndefined();
    expect(decodeRegistryAuth(b64url({ username: 'u', password: 'p?>', serveraddress: 'h' }))).toMatchObject({
      username: 'u',
      password: 'p?>',
    });
    expect(decodeRegistryAuth(b64url({ auth: Buffer.from('a:b:c').toString('base64') }))).toMatchObject({
      username: 'a',
      password: 'b:c',
    });
    expect(decodeRegistryAuth(b64url({ identitytoken: 'tok' }))).toMatchObject({ identityToken: 'tok' });
    expect(() => decodeRegistryAuth('!!!notjson')).toThrow(/invalid X-Registry-Auth/);
  });

  it('reads config.json auths under the keys docker login writes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-authfile-'));
    try {
      const file = path.join(dir, 'config.json');
      const auth = (u: string) => ({ auth: Buffer.from(`${u}:pw`).toString('base64') });
      fs.writeFileSync(
        file,
        JSON.stringify({
          auths: {
            'https://index.docker.io/v1/': auth('hub'),
            'reg.example:5000': auth('r'),
            'https://ghcr.io': auth('g'),
          },
        }),
      );
      const f = new AuthFile(file);
      expect(f.lookup('docker.io')?.username).toBe('hub');
      expect(f.lookup('reg.example:5000')?.username).toBe('r');
      expect(f.lookup('ghcr.io')?.username).toBe('g');
      expect(f.lookup('other.example')).toBeUndefined();
      expect(credentialsFor('reg.example:5000', { username: 'req', password: 'x' }, f)?.username).toBe('req');
      expect(credentialsFor('reg.example:5000', undefined, f)?.username).toBe('r');
      fs.writeFileSync(file, '{bad');
      fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
      expect(() => f.lookup('x')).toThrow(/not valid JSON/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses WWW-Authenticate challenges', () => {
    expect(
      parseChallenge('Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull,push"'),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry', scope: 'repository:a/b:pull,push' },
    });
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({
      scheme: 'basic',
      params: { realm: 'Registry Realm' },
    });
    expect(parseChallenge('Bearer realm="x\\"y", error="insufficient_scope"')?.params).toEqual({
      realm: 'x"y',
      error: 'insufficient_scope',
    });
    expect(parseChallenge('Negotiate abc')).toBeUndefined();
  });

  it('caches tokens until shortly before they expire', () => {
    const c = new TokenCache();
    c.set('k', 't', 60);
    expect(c.get('k')).toBe('t');
    c.set('short', 't2', 1);
    expect(c.get('short')).toBe('t2');
    c.delete('k');
    expect(c.get('k')).toBeUndefined();
  });
});
