/**
 * OpenSSH known_hosts files: parsing (plain and hashed `|1|salt|hmac` host fields, `[host]:port`,
 * wildcards and `!negation`, @revoked and @cert-authority markers), lookup of a presented host key,
 * and appending a newly trusted key. Pure functions over the file's text, plus small file helpers.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface KnownHostLine {
  /** 1-based line number in the file, for messages. */
  line: number;
  marker: '' | '@revoked' | '@cert-authority';
  /** The raw host field (comma-separated patterns, or one hashed entry). */
  hosts: string;
  keyType: string;
  /** Decoded public key blob (SSH wire format). */
  key: Buffer;
}

export type HostKeyVerdict =
  | { status: 'known'; entry: KnownHostLine }
  | { status: 'revoked'; entry: KnownHostLine }
  /** The host is known with another key of the same type: possible man in the middle. */
  | { status: 'changed'; entries: KnownHostLine[] }
  /** No key of this type for this host (other types may be known: `otherTypes`). */
  | { status: 'unknown'; otherTypes: string[] };

/** The name a host is stored under: `host` on port 22, `[host]:port` otherwise. */
export function hostEntryName(host: string, port: number): string {
  return port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
}

/** The key type string at the start of an SSH public key blob (e.g. "ssh-ed25519"). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  if (len > 64 || 4 + len > blob.length) return 'unknown';
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** OpenSSH's SHA256 fingerprint: "SHA256:" + unpadded base64 of sha256(blob). */
export function fingerprintSha256(blob: Buffer): string {
  return 'SHA256:' + crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

export function parseKnownHosts(text: string): KnownHostLine[] {
  const out: KnownHostLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i]!.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/\s+/);
    let marker: KnownHostLine['marker'] = '';
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as KnownHostLine['marker'];
    else if (fields[0]!.startsWith('@')) continue; // unknown marker: ignored, as OpenSSH does
    if (fields.length < 3) continue;
    const [hosts, keyType, b64] = fields as [string, string, string];
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) continue;
    const key = Buffer.from(b64, 'base64');
    if (keyTypeOf(key) !== keyType) continue; // malformed: the blob must say its own type
    out.push({ line: i + 1, marker, hosts, keyType, key });
  }
  return out;
}

function globToRegExp(pattern: string): RegExp {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i');
}

function hashedMatches(field: string, name: string): boolean {
  const parts = field.split('|'); // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const want = Buffer.from(parts[3]!, 'base64');
  const got = crypto.createHmac('sha1', salt).update(name).digest();
  return want.length === got.length && crypto.timingSafeEqual(want, got);
}

/** Does a host field match the entry name? (negated patterns veto a match) */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|')) return hashedMatches(field, name);
  let matched = false;
  for (const raw of field.split(',')) {
    if (!raw) continue;
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (globToRegExp(pattern).test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

export function lookupHostKey(entries: KnownHostLine[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = hostEntryName(host, port);
  const type = keyTypeOf(key);
  const mine = entries.filter((e) => e.marker !== '@cert-authority' && hostFieldMatches(e.hosts, name));
  const revoked = mine.find((e) => e.marker === '@revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = mine.filter((e) => e.marker === '');
  const exact = plain.find((e) => e.key.equals(key));
  if (exact) return { status: 'known', entry: exact };
  // The blob's type is "ssh-rsa" whatever signature hash (rsa-sha2-256/512) was negotiated.
  const sameType = plain.filter((e) => e.keyType === type);
  if (sameType.length) return { status: 'changed', entries: sameType };
  return { status: 'unknown', otherTypes: [...new Set(plain.map((e) => e.keyType))] };
}

/** Key types already recorded for the host (to prefer them in the key exchange, as OpenSSH does). */
export function knownKeyTypes(entries: KnownHostLine[], host: string, port: number): string[] {
  const name = hostEntryName(host, port);
  return [...new Set(entries.filter((e) => e.marker === '' && hostFieldMatches(e.hosts, name)).map((e) => e.keyType))];
}

export function formatKnownHostLine(host: string, port: number, key: Buffer): string {
  return `${hostEntryName(host, port)} ${keyTypeOf(key)} ${key.toString('base64')}`;
}

export function readKnownHosts(file: string): KnownHostLine[] {
  try {
    return parseKnownHosts(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Appends one entry (creating the file 0600 and its directory 0700 when missing). */
export function appendKnownHost(file: string, host: string, port: number, key: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let prefix = '';
  try {
    const existing = fs.readFileSync(file);
    if (existing.length && existing[existing.length - 1] !== 0x0a) prefix = '\n';
  } catch {
    /* new file */
  }
  fs.appendFileSync(file, `${prefix}${formatKnownHostLine(host, port, key)}\n`, { mode: 0o600 });
}
