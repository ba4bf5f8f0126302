/**
 * Docker's multiplexed stream framing (stdcopy), used by attach, exec and logs when there is
 * no TTY: each frame is an 8-byte header [stream, 0, 0, 0, size (uint32 big-endian)] + payload.
 * stream: 0 stdin, 1 stdout, 2 stderr, 3 systemerr.
 */
export type StdStream = 0 | 1 | 2 | 3;

export const MULTIPLEXED = 'application/vnd.docker.multiplexed-stream';
export const RAW_STREAM = 'application/vnd.docker.raw-stream';

const MAX_FRAME = 0xffffffff;

export function frame(stream: StdStream, data: Buffer): Buffer {
  if (data.length > MAX_FRAME) throw new RangeError('frame too large');
  const out = Buffer.allocUnsafe(8 + data.length);
  out.writeUInt32BE(0, 0);
  out[0] = stream;
  out.writeUInt32BE(data.length, 4);
  data.copy(out, 8);
  return out;
}

/** Incremental demultiplexer (for tests and for clients of our own API). */
export class Demuxer {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Array<{ stream: StdStream; data: Buffer }> {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Array<{ stream: StdStream; data: Buffer }> = [];
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) break;
      out.push({ stream: this.buf[0] as StdStream, data: this.buf.subarray(8, 8 + size) });
      this.buf = this.buf.subarray(8 + size);
    }
    return out;
  }

  get pending(): number {
    return this.buf.length;
  }
}
