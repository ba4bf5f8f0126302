/** The stream building blocks: JSON lines across chunk boundaries, demultiplexing, log lines, the hub. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Demuxer, demuxAll } from './demux';
import { StreamHub } from './hub';
import { readJsonLines } from './json-lines';
import { LogLineSplitter } from './log-lines';
import { toStatsSample } from './stats';

const frame = (kind: number, text: string): Buffer => {
  const p = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = kind;
  h.writeUInt32BE(p.length, 4);
  return Buffer.concat([h, p]);
};

describe('readJsonLines', () => {
  it('parses objects split anywhere, including inside a multi-byte character', async () => {
    const s = new PassThrough();
    const got: unknown[] = [];
    const ended = new Promise<Error | undefined>((resolve) =>
      readJsonLines(s, { object: (o) => got.push(o), end: resolve }),
    );
    const text = Buffer.from('{"a":1}\n{"b":"é"}\r\n\n{"c":3}');
    for (let i = 0; i < text.length; i++) s.write(text.subarray(i, i + 1));
    s.end();
    expect(await ended).toBeUndefined();
    expect(got).toEqual([{ a: 1 }, { b: 'é' }, { c: 3 }]);
  });

  it('ends with an error on a line that is not JSON, or too long, or a stream cut short', async () => {
    const bad = new PassThrough();
    const e1 = new Promise<Error | undefined>((resolve) =>
      readJsonLines(bad, { object: () => undefined, end: resolve }),
    );
    bad.write('nope\n');
    expect((await e1)?.message).toMatch(/not JSON/);
    const long = new PassThrough();
    const e2 = new Promise<Error | undefined>((resolve) =>
      readJsonLines(long, { object: () => undefined, end: resolve }, 16),
    );
    long.write('{"aaaaaaaaaaaaaaaaaaaaaaaaa');
    expect((await e2)?.message).toMatch(/exceeds 16 bytes/);
    const cut = new PassThrough();
    const e3 = new Promise<Error | undefined>((resolve) =>
      readJsonLines(cut, { object: () => undefined, end: resolve }),
    );
    cut.destroy();
    expect(((await e3) as NodeJS.ErrnoException | undefined)?.code).toBe('ECONNRESET');
  });

  it('stops quietly when the reader closes it', () => {
    const s = new PassThrough();
    let ended = false;
    const stop = readJsonLines(s, { object: () => undefined, end: () => (ended = true) });
    stop();
    expect(s.destroyed).toBe(true);
    expect(ended).toBe(false);
  });
});

describe('demux', () => {
  it('splits stdout and stderr frames across chunk boundaries', () => {
    const out: Array<[string, string]> = [];
    const d = new Demuxer(true, (s, t) => out.push([s, t]));
    const all = Buffer.concat([frame(1, 'out1\n'), frame(2, 'err1\n'), frame(1, 'out2\n')]);
    for (let i = 0; i < all.length; i += 3) d.write(all.subarray(i, i + 3));
    d.end();
    expect(out.map(([s, t]) => `${s}:${t}`).join('')).toBe('stdout:out1\nstderr:err1\nstdout:out2\n');
  });

  it('passes TTY output through as stdout', () => {
    expect(demuxAll(Buffer.from('raw\r\n'), false)).toEqual([{ stream: 'stdout', text: 'raw\r\n' }]);
  });
});

describe('LogLineSplitter', () => {
  it('holds partial lines per stream and splits off timestamps', () => {
    const s = new LogLineSplitter(true);
    expect(s.push('stdout', '2024-01-01T00:00:00.123456789Z hel')).toEqual([]);
    expect(s.push('stderr', '2024-01-01T00:00:01Z oops\n')).toEqual([
      { stream: 'stderr', ts: '2024-01-01T00:00:01Z', text: 'oops' },
    ]);
    expect(s.push('stdout', 'lo\r\n')).toEqual([
      { stream: 'stdout', ts: '2024-01-01T00:00:00.123456789Z', text: 'hello' },
    ]);
    expect(s.push('stdout', 'tail')).toEqual([]);
    expect(s.flush()).toEqual([{ stream: 'stdout', text: 'tail' }]);
  });
});

describe('StreamHub', () => {
  it('opens one upstream per key, replays the last value, and closes with the last subscriber', async () => {
    const hub = new StreamHub<number>();
    let opened = 0;
    let closed = 0;
    let push: (n: number) => void = () => undefined;
    const open = async (sink: { data(n: number): void }): Promise<{ close(): void }> => {
      opened++;
      push = (n) => sink.data(n);
      return { close: () => closed++ };
    };
    const a: number[] = [];
    const b: number[] = [];
    const offA = await hub.subscribe('k', open, { data: (n) => a.push(n), end: () => undefined });
    push(1);
    const offB = await hub.subscribe('k', open, { data: (n) => b.push(n), end: () => undefined });
    push(2);
    expect([opened, a, b]).toEqual([1, [1, 2], [1, 2]]);
    offA();
    expect(closed).toBe(0);
    offB();
    expect([closed, hub.size]).toEqual([1, 0]);
  });

  it('tells every subscriber when the upstream ends, and fails a subscribe whose open fails', async () => {
    const hub = new StreamHub<number>();
    let end: (e?: unknown) => void = () => undefined;
    const ends: unknown[] = [];
    await hub.subscribe('k', async (s) => ((end = s.end), { close: () => undefined }), {
      data: () => undefined,
      end: (e) => ends.push(e),
    });
    await hub.subscribe('k', async () => ({ close: () => undefined }), {
      data: () => undefined,
      end: (e) => ends.push(e),
    });
    end('gone');
    expect(ends).toEqual(['gone', 'gone']);
    expect(hub.size).toBe(0);
    await expect(
      hub.subscribe('x', () => Promise.reject(new Error('no')), { data: () => undefined, end: () => undefined }),
    ).rejects.toThrow('no');
    expect(hub.size).toBe(0);
  });

  it('closes an upstream whose subscribers all left while it was opening', async () => {
    const hub = new StreamHub<number>();
    let closed = false;
    let release: () => void = () => undefined;
    const opening = hub.subscribe(
      'k',
      () => new Promise((r) => (release = () => r({ close: () => (closed = true) }))),
      { data: () => undefined, end: () => undefined },
    );
    hub.closeAll();
    release();
    await opening;
    expect(closed).toBe(true);
  });
});

describe('toStatsSample', () => {
  it('computes CPU % like docker stats, and memory without the page cache (cgroup v1 and v2)', () => {
    const v2 = toStatsSample({
      cpu_stats: { cpu_usage: { total_usage: 3e8 }, system_cpu_usage: 2e9, online_cpus: 4 },
      precpu_stats: { cpu_usage: { total_usage: 1e8 }, system_cpu_usage: 1e9 },
      memory_stats: { usage: 100, limit: 1000, stats: { inactive_file: 20 } },
      networks: { eth0: { rx_bytes: 5, tx_bytes: 6 }, eth1: { rx_bytes: 1, tx_bytes: 1 } },
      blkio_stats: {
        io_service_bytes_recursive: [
          { op: 'Read', value: 7 },
          { op: 'Write', value: 8 },
          { op: 'Total', value: 15 },
        ],
      },
      pids_stats: { current: 9 },
    });
    expect(v2).toMatchObject({
      cpuPercent: 80,
      onlineCpus: 4,
      memUsage: 80,
      memPercent: 8,
      netRx: 6,
      netTx: 7,
      blockRead: 7,
      blockWrite: 8,
      pids: 9,
    });
    const v1 = toStatsSample({
      memory_stats: { usage: 100, limit: 200, stats: { total_inactive_file: 50 } },
      cpu_stats: { cpu_usage: { percpu_usage: [1, 2] } },
    });
    expect(v1).toMatchObject({ memUsage: 50, cpuPercent: 0, onlineCpus: 2, blockRead: 0 });
  });
});
