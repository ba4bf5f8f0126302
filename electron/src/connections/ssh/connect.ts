/**
 * Opens one SSH connection: TCP (or a given stream, such as a child's stdio), the SSH handshake
 * with our host key policy, authentication with our authenticator, all within a deadline that
 * pauses while the user answers a prompt. Failures become typed ConnectionFailures.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
// ssh2 is CommonJS: its classes come from the default export.
import ssh2, { type ConnectConfig } from 'ssh2';
import { ConnectionFailure, describeNetError, errorText } from '../errors';
import { abortable, Deadline } from '../transport/deadline';
import { SshAuthenticator, type AuthOptions } from './auth';
import { HostKeyPolicy, type HostKeyPolicyOptions } from './host-keys';
import { SshSession } from './session';

export interface SshConnectParams {
  /** For messages: "user@host:port", "WSL distro Debian" … */
  label: string;
  /** TCP target; or `sock`, an already connected stream. */
  host?: string;
  port?: number;
  sock?: Duplex;
  username: string;
  /** Omitted: auth "none" only (the stdio-mux, where starting the process authenticated us). */
  auth?: Omit<AuthOptions, 'onPrompt' | 'username'>;
  /** Omitted: any host key is accepted (only for a stream we spawned ourselves). */
  hostKeys?: Omit<HostKeyPolicyOptions, 'onPrompt'>;
  /** ssh2 refuses OpenSSH extensions with non-OpenSSH servers unless this is false. */
  strictVendor?: boolean;
  keepaliveIntervalMs: number;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

function tcpConnect(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  const where = `${host}:${port}`;
  const sock = net.connect({ host, port });
  const connected = new Promise<net.Socket>((resolve, reject) => {
    const timer = setTimeout(() => {
      sock.destroy();
      reject(
        new ConnectionFailure(
          'Unreachable',
          `cannot reach ${where}: no answer within ${Math.round(timeoutMs / 1000)} s`,
        ),
      );
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.setNoDelay(true);
      sock.setKeepAlive(true, 15_000);
      resolve(sock);
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      sock.destroy();
      reject(new ConnectionFailure('Unreachable', `cannot reach ${where}: ${describeNetError(err)}`, { cause: err }));
    });
  });
  return abortable(connected, signal, () => sock.destroy());
}

export async function connectSsh(p: SshConnectParams): Promise<SshSession> {
  const started = Date.now();
  const sock: Duplex = p.sock ?? (await tcpConnect(p.host!, p.port ?? 22, p.timeoutMs, p.signal));
  const remaining = Math.max(1000, p.timeoutMs - (Date.now() - started));
  const client = new ssh2.Client();
  return new Promise<SshSession>((resolve, reject) => {
    let settled = false;
    let lastError: Error | undefined;
    const deadline = new Deadline(remaining, () =>
      fail(
        new ConnectionFailure('Timeout', `no SSH session with ${p.label} within ${Math.round(p.timeoutMs / 1000)} s`),
      ),
    );
    const hostKeys = p.hostKeys ? new HostKeyPolicy({ ...p.hostKeys, onPrompt: deadline.onPrompt }) : undefined;
    const auth = p.auth
      ? new SshAuthenticator({ ...p.auth, username: p.username, onPrompt: deadline.onPrompt })
      : undefined;

    const onAbort = (): void => fail(new ConnectionFailure('Cancelled', `connecting to ${p.label} was cancelled`));
    p.signal?.addEventListener('abort', onAbort, { once: true });

    function cleanup(): void {
      deadline.clear();
      p.signal?.removeEventListener('abort', onAbort);
      client.removeListener('error', onError);
      client.removeListener('close', onClose);
      client.removeListener('ready', onReady);
    }
    function fail(f: ConnectionFailure): void {
      if (settled) return;
      settled = true;
      cleanup();
      client.on('error', () => undefined);
      client.end();
      client.destroy();
      sock.destroy();
      reject(f);
    }
    function classify(err: Error): ConnectionFailure {
      const refused = hostKeys?.rejection();
      if (refused) return refused;
      const level = (err as Error & { level?: string }).level;
      if (level === 'client-authentication' && auth) return auth.failure();
      if (level === 'client-socket') {
        return new ConnectionFailure('Unreachable', `the connection to ${p.label} failed: ${describeNetError(err)}`, {
          cause: err,
        });
      }
      if (level === 'client-timeout')
        return new ConnectionFailure('Timeout', `${p.label}: ${err.message}`, { cause: err });
      return new ConnectionFailure('Unreachable', `SSH with ${p.label} failed: ${errorText(err)}`, { cause: err });
    }
    function onError(err: Error): void {
      // ssh2 reports some failures and carries on with the next method: an ssh-agent that cannot
      // be reached or cannot sign, a key that cannot sign. Only the last word on auth is final.
      const level = (err as Error & { level?: string }).level;
      if (
        level === 'agent' ||
        (level === 'client-authentication' && !/All configured authentication methods failed/.test(err.message))
      ) {
        auth?.note(level === 'agent' ? `ssh-agent: ${err.message}` : err.message);
        return;
      }
      lastError = err;
      fail(classify(err));
    }
    function onClose(): void {
      fail(
        lastError
          ? classify(lastError)
          : (hostKeys?.rejection() ??
              new ConnectionFailure('Unreachable', `${p.label} closed the connection during the SSH handshake`)),
      );
    }
    function onReady(): void {
      if (settled) return;
      settled = true;
      cleanup();
      resolve(new SshSession(client, sock, p.label));
    }
    client.on('error', onError);
    client.on('close', onClose);
    client.on('ready', onReady);

    const config: ConnectConfig = {
      sock: sock as unknown as ConnectConfig['sock'],
      username: p.username,
      readyTimeout: 0,
      keepaliveInterval: p.keepaliveIntervalMs,
      keepaliveCountMax: 3,
      strictVendor: p.strictVendor ?? true,
      hostVerifier: hostKeys ? hostKeys.verifier : () => true,
      authHandler: auth ? auth.handler : [{ type: 'none', username: p.username }],
      ...(hostKeys ? { algorithms: { serverHostKey: hostKeys.preferredAlgorithms() as never } } : {}),
    };
    try {
      client.connect(config);
    } catch (err) {
      fail(
        new ConnectionFailure('InvalidConfig', `cannot start SSH with ${p.label}: ${errorText(err)}`, { cause: err }),
      );
    }
  });
}
