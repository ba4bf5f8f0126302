import { describe, expect, it } from 'vitest';
import { DetachScanner, parseDetachKeys } from './stdio';

describe('detach keys', () => {
  it('parses Docker key specs', () => {
    expect([...parseDetachKeys(undefined)]).toEqual([16, 17]);
    expect([...parseDetachKeys('ctrl-a,x')]).toEqual([1, 120]);
    expect(() => parseDetachKeys('ctrl-1')).toThrow(/Invalid detach keys/);
  });
  it('detaches on the sequence and passes everything else through', () => {
    const s = new DetachScanner(parseDetachKeys(undefined));
    expect(s.feed(Buffer.from('ls\r'))).toEqual({ pass: Buffer.from('ls\r'), detach: false });
    expect(s.feed(Buffer.from([16]))).toEqual({ pass: Buffer.alloc(0), detach: false });
    expect(s.feed(Buffer.from([97]))).toEqual({ pass: Buffer.from([16, 97]), detach: false });
    expect(s.feed(Buffer.from([104, 16, 17]))).toEqual({ pass: Buffer.from([104]), detach: true });
  });
});
