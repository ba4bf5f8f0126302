/**
 * How one API connection reaches the agent socket over an SSH session:
 *   - streamlocal: a direct-streamlocal@openssh.com channel (sshd connects to the socket);
 *   - dial-stdio: when sshd forbids forwarding (AllowStreamLocalForwarding no, or
 *     AllowTcpForwarding no, which blocks it too), an exec channel running `berthd dial-stdio`,
 *     a stdin/stdout ↔ socket bridge. Each is a session, and sshd allows MaxSessions (10 by
 *     default) per connection, so this mode caps the pool.
 */
import type { Duplex } from 'node:stream';
import type { Dial } from '../transport/channel-agent';
import { shCommand } from '../remote/host';
import { ChannelOpenError, OPEN_CONNECT_FAILED, type SshSession } from './session';

export type DialerKind = 'streamlocal' | 'dial-stdio';

export interface AgentDialer {
  kind: DialerKind;
  dial: Dial;
  /** Pool limit for the http.Agent (undefined: none). */
  maxSockets: number | undefined;
}

/** Sessions left for the pool in dial-stdio mode (pty session, SFTP, lock and a spare excluded). */
export const DIAL_STDIO_MAX_SOCKETS = 6;

export function streamLocalDialer(session: SshSession, socketPath: string, timeoutMs: number): AgentDialer {
  return {
    kind: 'streamlocal',
    dial: () => session.openStreamLocal(socketPath, timeoutMs) as Promise<Duplex>,
    maxSockets: undefined,
  };
}

export function dialStdioDialer(
  session: SshSession,
  installDir: string,
  socketPath: string,
  timeoutMs: number,
): AgentDialer {
  const command = shCommand('exec "$@"', [
    `${installDir}/node`,
    `${installDir}/berthd.cjs`,
    'dial-stdio',
    '-H',
    `unix://${socketPath}`,
  ]);
  return {
    kind: 'dial-stdio',
    dial: async () => {
      const ch = await session.execStream(command, { timeoutMs });
      // Diagnostics only; must be read so the channel window never fills.
      ch.stderr.resume();
      return ch as Duplex;
    },
    maxSockets: DIAL_STDIO_MAX_SOCKETS,
  };
}

export type ForwardingProbe = 'allowed' | 'allowed-no-socket' | 'prohibited';

/** Opens (and closes) one streamlocal channel to learn whether sshd forwards to the socket. */
export async function probeForwarding(
  session: SshSession,
  socketPath: string,
  timeoutMs: number,
): Promise<ForwardingProbe> {
  try {
    const ch = await session.openStreamLocal(socketPath, timeoutMs);
    ch.destroy();
    return 'allowed';
  } catch (err) {
    if (err instanceof ChannelOpenError) {
      if (err.prohibited) return 'prohibited';
      if (err.reason === OPEN_CONNECT_FAILED) return 'allowed-no-socket';
    }
    throw err;
  }
}
