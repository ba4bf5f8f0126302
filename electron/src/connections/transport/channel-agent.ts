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

type AddRequest = (req: http.ClientRequest, options: http.RequestOptions) => void;

export class ChannelAgent extends http.Agent {
  private readonly label: string;
  /** Dials under way: Node counts a connection against maxSockets only once it is created. */
  private pending = 0;
  private cap = Infinity;

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

  /** Caps the connections (undefined: no cap). */
  limit(max: number | undefined): void {
    this.cap = max ?? Infinity;
    this.maxSockets = this.cap;
  }

  /**
   * Node's Agent counts a connection against maxSockets only once createConnection has called
   * back, so a burst of requests would all dial at once. While it decides, the dials under way
   * are taken off the cap, so they count too. (addRequest is Agent's internal entry point.)
   */
  addRequest(req: http.ClientRequest, options: http.RequestOptions): void {
    const base = (http.Agent.prototype as unknown as { addRequest: AddRequest }).addRequest;
    this.maxSockets = this.cap === Infinity ? Infinity : Math.max(0, this.cap - this.pending);
    try {
      base.call(this, req, options);
    } finally {
      this.maxSockets = this.cap;
    }
  }

  override createConnection(
    _options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): undefined {
    this.pending++;
    this.dial().then(
      (stream) => {
        this.pending--;
        callback?.(null, asSocketLike(stream));
      },
      (err: unknown) => {
        this.pending--;
        callback?.(err instanceof Error ? err : new Error(String(err)), undefined as unknown as Duplex);
      },
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
