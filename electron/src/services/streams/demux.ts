/**
 * The engine's multiplexed stdout/stderr framing (logs and exec of containers without a TTY):
 * 8-byte headers [stream, 0, 0, 0, size (big-endian u32)] followed by the payload. Incremental, so
 * frames split across chunks are reassembled; TTY streams are passed through as stdout.
 */
import { StringDecoder } from 'node:string_decoder';

export type StdStream = 'stdout' | 'stderr';

export class Demuxer {
  private pending: Buffer = Buffer.alloc(0);
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };

  constructor(
    private readonly multiplexed: boolean,
    private readonly out: (stream: StdStream, text: string) => void,
  ) {}

  write(chunk: Buffer): void {
    if (!this.multiplexed) {
      const text = this.decoders.stdout.write(chunk);
      if (text) this.out('stdout', text);
      return;
    }
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const kind = this.pending[0];
      const payload = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      // 0 = stdin (never sent back), 1 = stdout, 2 = stderr; 3 = a systemerr frame: show it as stderr.
      const stream: StdStream = kind === 2 || kind === 3 ? 'stderr' : 'stdout';
      const text = this.decoders[stream].write(payload);
      if (text) this.out(stream, text);
    }
  }

  end(): void {
    for (const s of ['stdout', 'stderr'] as const) {
      const rest = this.decoders[s].end();
      if (rest) this.out(s, rest);
    }
  }
}

/** Demultiplex a whole buffer (a non-follow logs answer) at once. */
export function demuxAll(buf: Buffer, multiplexed: boolean): Array<{ stream: StdStream; text: string }> {
  const parts: Array<{ stream: StdStream; text: string }> = [];
  const d = new Demuxer(multiplexed, (stream, text) => parts.push({ stream, text }));
  d.write(buf);
  d.end();
  return parts;
}
