/**
 * Host key policy for one SSH connection, as OpenSSH's StrictHostKeyChecking=ask:
 *   - a key recorded in known_hosts for this host: accepted;
 *   - a key of a type not recorded: the user is asked (trust on first use) and, if trusted, the
 *     key is appended to known_hosts, so the question comes once;
 *   - a different key of a recorded type, or a @revoked key: refused, with both fingerprints.
 * Concurrent connections to the same host share one question (per known_hosts file and host).
 */
import { ConnectionFailure } from '../errors';
import type { ConnectionPrompter } from '../types';
import {
  appendKnownHost,
  fingerprintSha256,
  hostEntryName,
  keyTypeOf,
  knownKeyTypes,
  lookupHostKey,
  readKnownHosts,
} from './known-hosts';

export interface HostKeyPolicyOptions {
  host: string;
  port: number;
  knownHostsPath: string;
  prompter: ConnectionPrompter;
  /** Told when a question to the user starts and ends (timeouts pause meanwhile). */
  onPrompt?: (waiting: boolean) => void;
}

const DEFAULT_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

function algorithmsFor(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

/** One question at a time per (file, host): a second connection waits and re-reads the file. */
const pending = new Map<string, Promise<unknown>>();

function serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = pending.get(key) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  const settled = next.then(
    () => undefined,
    () => undefined,
  );
  pending.set(key, settled);
  void settled.then(() => {
    if (pending.get(key) === settled) pending.delete(key);
  });
  return next;
}

export class HostKeyPolicy {
  private failure: ConnectionFailure | undefined;
  /** The fingerprint of the key the server presented (after the handshake). */
  presented: { keyType: string; fingerprint: string } | undefined;

  constructor(private readonly opts: HostKeyPolicyOptions) {}

  /** Host key algorithms to offer: those already recorded for the host first. */
  preferredAlgorithms(): string[] {
    let known: string[] = [];
    try {
      known = knownKeyTypes(readKnownHosts(this.opts.knownHostsPath), this.opts.host, this.opts.port);
    } catch {
      /* unreadable file: reported when verifying */
    }
    const first = known.flatMap(algorithmsFor).filter((a) => DEFAULT_ALGORITHMS.includes(a));
    return [...new Set([...first, ...DEFAULT_ALGORITHMS])];
  }

  /** Why the key was refused (set when verify() answered false). */
  rejection(): ConnectionFailure | undefined {
    return this.failure;
  }

  /** ssh2's hostVerifier: (key, callback). */
  readonly verifier = (key: Buffer, done: (ok: boolean) => void): void => {
    this.verify(key).then(
      () => done(true),
      (err: unknown) => {
        this.failure =
          err instanceof ConnectionFailure
            ? err
            : new ConnectionFailure('HostKeyUnknownRejected', `cannot verify the host key: ${String(err)}`);
        done(false);
      },
    );
  };

  private async verify(key: Buffer): Promise<void> {
    const { host, port, knownHostsPath } = this.opts;
    const keyType = keyTypeOf(key);
    const fingerprint = fingerprintSha256(key);
    this.presented = { keyType, fingerprint };
    const where = `${host}:${port}`;
    await serialized(`${knownHostsPath}\0${hostEntryName(host, port)}`, async () => {
      let entries;
      try {
        entries = readKnownHosts(knownHostsPath);
      } catch (err) {
        throw new ConnectionFailure(
          'HostKeyUnknownRejected',
          `cannot read ${knownHostsPath}: ${(err as Error).message}`,
        );
      }
      const verdict = lookupHostKey(entries, host, port, key);
      switch (verdict.status) {
        case 'known':
          return;
        case 'revoked':
          throw new ConnectionFailure(
            'HostKeyChanged',
            `the host key of ${where} (${keyType} ${fingerprint}) is marked @revoked in ${knownHostsPath} ` +
              `line ${verdict.entry.line}: refusing to connect`,
          );
        case 'changed': {
          const was = verdict.entries.map((e) => `${fingerprintSha256(e.key)} (line ${e.line})`).join(', ');
          throw new ConnectionFailure(
            'HostKeyChanged',
            `the host key of ${where} has changed: it now presents ${keyType} ${fingerprint}, ` +
              `but ${knownHostsPath} records ${was}. Someone may be intercepting the connection, or the ` +
              `host was reinstalled. Refusing to connect; if the change is expected, remove the old ` +
              `entry from ${knownHostsPath}.`,
          );
        }
        case 'unknown': {
          this.opts.onPrompt?.(true);
          let trusted: boolean;
          try {
            trusted = await this.opts.prompter.confirmHostKey({ host, port, keyType, fingerprintSha256: fingerprint });
          } finally {
            this.opts.onPrompt?.(false);
          }
          if (!trusted) {
            throw new ConnectionFailure(
              'HostKeyUnknownRejected',
              `the host key of ${where} (${keyType} ${fingerprint}) was not trusted`,
            );
          }
          try {
            appendKnownHost(knownHostsPath, host, port, key);
          } catch (err) {
            throw new ConnectionFailure(
              'HostKeyUnknownRejected',
              `cannot record the host key in ${knownHostsPath}: ${(err as Error).message}`,
            );
          }
          return;
        }
      }
    });
  }
}
