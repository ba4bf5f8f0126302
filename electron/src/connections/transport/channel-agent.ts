/**
 * An http.Agent whose connections are streams from a dialer (SSH channels to the agent socket,
 * `berthd dial-stdio` exec channels). Keep-alive pools them, so a request costs one round trip
 * over an open channel. Two details learned the hard way (docs/prototype-engine-api §5):
 *   - createConnection calls back and returns undefined: a returned value is taken as the socket;
 *   - util.inspect of this agent is cheap: docker-modem inspects request options, agent included,
 *     on every request, which otherwise walks the whole ssh2 client (100–230 ms per request).
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { inspect } from 'node:util';
import { asSocketLike } from './socket-like';

export type Dial = () => Promise<Duplex>;

export interface ChannelAgentOptions {
  /** Most connections at once (requests queue beyond it). Default unlimited. */
  maxSockets?: number;
  /** Name shown by inspect. */
  label?: string;
}

export class ChannelAgent extends http.Agent {
  private readonly label: string;

  constructor(
    private readonly dial: Dial,
    opts: ChannelAgentOptions = {},
  ) {
    super({
      keepAlive: true,
      keepAliveMsecs: 30_000,
      scheduling: 'lifo',
      maxFreeSockets: 32,
    });
    this.label = opts.label ?? 'channel';
    this.limit(opts.maxSockets);
  }

  /**
   * Caps the connections (undefined: no cap). Node counts a connection in maxSockets only once
   * createConnection has called back, so with asynchronous dialing a burst of requests would all
   * dial at once; maxTotalSockets counts from the start of the dial, so the cap holds.
   */
  limit(max: number | undefined): void {
    this.maxSockets = max ?? Infinity;
    this.maxTotalSockets = max ?? Infinity;
  }

  override createConnection(
    _options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): undefined {
    this.dial().then(
      (stream) => callback?.(null, asSocketLike(stream)),
      (err: unknown) => callback?.(err instanceof Error ? err : new Error(String(err)), undefined as unknown as Duplex),
    );
    return undefined;
  }

  /** Pooled plus in-use connections, for tests and diagnostics. */
  openConnections(): number {
    let n = 0;
    for (const list of Object.values(this.sockets)) n += list?.length ?? 0;
    for (const list of Object.values(this.freeSockets)) n += list?.length ?? 0;
    return n;
  }

  [inspect.custom](): string {
    return `[ChannelAgent ${this.label}]`;
  }
}
