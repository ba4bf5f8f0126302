import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  appendKnownHost,
  fingerprintSha256,
  formatKnownHostLine,
  hostEntryName,
  hostFieldMatches,
  keyTypeOf,
  knownKeyTypes,
  lookupHostKey,
  parseKnownHosts,
  readKnownHosts,
} from './known-hosts';

/** An SSH wire-format public key blob of the given type with random key material. */
function blob(type: string): Buffer {
  const t = Buffer.from(type);
  const body = crypto.randomBytes(32);
  const out = Buffer.alloc(8 + t.length + body.length);
  out.writeUInt32BE(t.length, 0);
  t.copy(out, 4);
  out.writeUInt32BE(body.length, 4 + t.length);
  body.copy(out, 8 + t.length);
  return out;
}

function hashed(name: string): string {
  const salt = crypto.randomBytes(20);
  const hmac = crypto.createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hmac.toString('base64')}`;
}

const ed = blob('ssh-ed25519');
const ed2 = blob('ssh-ed25519');
const rsa = blob('ssh-rsa');

describe('known_hosts', () => {
  const tmp: string[] = [];
  afterEach(() => {
    for (const d of tmp.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('names hosts as OpenSSH does', () => {
    expect(hostEntryName('Example.COM', 22)).toBe('example.com');
    expect(hostEntryName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
  });

  it('reads the key type and the SHA256 fingerprint of a blob', () => {
    expect(keyTypeOf(ed)).toBe('ssh-ed25519');
    expect(keyTypeOf(Buffer.from([0, 0]))).toBe('unknown');
    const expected = crypto.createHash('sha256').update(ed).digest('base64').replace(/=+$/, '');
    expect(fingerprintSha256(ed)).toBe(`SHA256:${expected}`);
  });

  it('parses plain, hashed, marked and malformed lines', () => {
    const text = [
      '# comment',
      '',
      `host.example,10.0.0.1 ssh-ed25519 ${ed.toString('base64')} a comment`,
      `${hashed('[h2]:2222')} ssh-rsa ${rsa.toString('base64')}`,
      `@revoked * ssh-ed25519 ${ed2.toString('base64')}`,
      `@cert-authority *.example ssh-rsa ${rsa.toString('base64')}`,
      `@unknown-marker x ssh-rsa ${rsa.toString('base64')}`,
      'broken line',
      `liar ssh-rsa ${ed.toString('base64')}`,
    ].join('\r\n');
    const lines = parseKnownHosts(text);
    expect(lines.map((l) => [l.line, l.marker, l.keyType])).toEqual([
      [3, '', 'ssh-ed25519'],
      [4, '', 'ssh-rsa'],
      [5, '@revoked', 'ssh-ed25519'],
      [6, '@cert-authority', 'ssh-rsa'],
    ]);
  });

  it('matches wildcards, negations and hashed names', () => {
    expect(hostFieldMatches('*.example.com,!bad.example.com', 'good.example.com')).toBe(true);
    expect(hostFieldMatches('*.example.com,!bad.example.com', 'bad.example.com')).toBe(false);
    expect(hostFieldMatches('host?', 'host1')).toBe(true);
    expect(hostFieldMatches('host?', 'host12')).toBe(false);
    expect(hostFieldMatches('[10.0.0.1]:2222', '[10.0.0.1]:2222')).toBe(true);
    expect(hostFieldMatches('10.0.0.1', '[10.0.0.1]:2222')).toBe(false);
    expect(hostFieldMatches('a.b', 'aXb')).toBe(false);
    const h = hashed('example.com');
    expect(hostFieldMatches(h, 'example.com')).toBe(true);
    expect(hostFieldMatches(h, 'example.org')).toBe(false);
  });

  it('judges a presented key: known, unknown, changed, revoked', () => {
    const entries = parseKnownHosts(
      [`[h]:2222 ssh-ed25519 ${ed.toString('base64')}`, `@revoked * ssh-ed25519 ${ed2.toString('base64')}`].join('\n'),
    );
    expect(lookupHostKey(entries, 'h', 2222, ed).status).toBe('known');
    // Same type, other key: changed (not a question for the user).
    const other = blob('ssh-ed25519');
    const changed = lookupHostKey(entries, 'h', 2222, other);
    expect(changed.status).toBe('changed');
    expect(changed.status === 'changed' && changed.entries[0]!.line).toBe(1);
    // Another type: unknown, with the known types listed.
    expect(lookupHostKey(entries, 'h', 2222, rsa)).toEqual({ status: 'unknown', otherTypes: ['ssh-ed25519'] });
    expect(lookupHostKey(entries, 'other', 22, ed)).toEqual({ status: 'unknown', otherTypes: [] });
    // Revoked wins even where the host is otherwise unknown.
    expect(lookupHostKey(entries, 'anything', 22, ed2).status).toBe('revoked');
    expect(knownKeyTypes(entries, 'h', 2222)).toEqual(['ssh-ed25519']);
  });

  it('appends an entry that parses back, creating the file 0600 and its directory 0700', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-'));
    tmp.push(dir);
    const file = path.join(dir, 'sub', 'known_hosts');
    appendKnownHost(file, 'Host', 2222, ed);
    fs.appendFileSync(file, '# no newline at the end');
    appendKnownHost(file, 'host2', 22, rsa);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const lines = readKnownHosts(file);
    expect(lookupHostKey(lines, 'host', 2222, ed).status).toBe('known');
    expect(lookupHostKey(lines, 'host2', 22, rsa).status).toBe('known');
    expect(fs.readFileSync(file, 'utf8').split('\n')[0]).toBe(formatKnownHostLine('host', 2222, ed));
    expect(readKnownHosts(path.join(dir, 'missing'))).toEqual([]);
  });
});
