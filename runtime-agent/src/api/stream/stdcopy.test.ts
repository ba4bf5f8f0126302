import { describe, expect, it } from 'vitest';
import { Demuxer, frame } from './stdcopy';

describe('stdcopy', () => {
  it('frames with the 8-byte header', () => {
    const f = frame(2, Buffer.from('err'));
    expect([...f.subarray(0, 8)]).toEqual([2, 0, 0, 0, 0, 0, 0, 3]);
    expect(f.subarray(8).toString()).toBe('err');
  });
  it('demultiplexes frames split at any byte', () => {
    const all = Buffer.concat([
      frame(1, Buffer.from('hello\n')),
      frame(2, Buffer.from('oops\n')),
      frame(1, Buffer.alloc(0)),
    ]);
    for (let cut = 0; cut <= all.length; cut++) {
      const d = new Demuxer();
      const got = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
      expect(got.map((g) => `${g.stream}:${g.data.toString()}`)).toEqual(['1:hello\n', '2:oops\n', '1:']);
      expect(d.pending).toBe(0);
    }
  });
});
