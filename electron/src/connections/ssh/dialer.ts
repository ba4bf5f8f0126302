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
import { sleep } from '../transport/deadline';
import { shCommand } from '../remote/host';
import { ChannelOpenError, type SshSession } from './session';

export type DialerKind = 'streamlocal' | 'dial-stdio';

export interface AgentDialer {
  kind: DialerKind;
  dial: Dial;
  /** Pool limit for the http.Agent (undefined: none). */
  maxSockets: number | undefined;
}

/** Sessions left for the pool in dial-stdio mode (pty session, SFTP, lock and a spare excluded). */
export const DIAL_STDIO_MAX_SOCKETS = 5;

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
      // Sessions of closed channels linger until their process exits (a slow login shell can take
      // seconds), so sshd may refuse a new one for a while (MaxSessions): try again meanwhile.
      for (let attempt = 0; ; attempt++) {
        try {
          const ch = await session.execStream(command, { timeoutMs });
          // Diagnostics only; must be read so the channel window never fills.
          ch.stderr.resume();
          return ch as Duplex;
        } catch (err) {
          if (!(err instanceof ChannelOpenError) || attempt >= 20 || session.isClosed) throw err;
          await sleep(Math.min(2000, 100 * 2 ** attempt));
        }
      }
    },
    maxSockets: DIAL_STDIO_MAX_SOCKETS,
  };
}

/**
 * 'open': a channel to the socket opened (something listens, sshd forwards).
 * 'prohibited': the server said so (reason 1).
 * 'failed': no channel, for a reason OpenSSH does not tell apart — nothing listens, the socket
 * is not ours, or forwarding is disabled (sshd answers "open failed", reason 2, to all three).
 */
export type ForwardingProbe = 'open' | 'prohibited' | 'failed';

/** Opens (and closes) one streamlocal channel to the socket. */
export async function probeForwarding(
  session: SshSession,
  socketPath: string,
  timeoutMs: number,
): Promise<ForwardingProbe> {
  try {
    const ch = await session.openStreamLocal(socketPath, timeoutMs);
    ch.destroy();
    return 'open';
  } catch (err) {
    if (err instanceof ChannelOpenError) return err.prohibited ? 'prohibited' : 'failed';
    throw err;
  }
}
