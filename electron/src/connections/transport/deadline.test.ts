import { describe, expect, it } from 'vitest';
import { abortable, Deadline, settlesWithin, withTimeout } from './deadline';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Deadline', () => {
  it('expires, but not while paused', async () => {
    let expired = 0;
    const d = new Deadline(60, () => expired++);
    await wait(30);
    d.onPrompt(true);
    await wait(100);
    expect(expired).toBe(0);
    d.onPrompt(false);
    await wait(15);
    expect(expired).toBe(0);
    await wait(40);
    expect(expired).toBe(1);
    d.clear();
  });

  it('counts nested pauses', async () => {
    let expired = 0;
    const d = new Deadline(20, () => expired++);
    d.pause();
    d.pause();
    d.resume();
    await wait(40);
    expect(expired).toBe(0);
    d.resume();
    await wait(40);
    expect(expired).toBe(1);
  });
});

describe('timeouts', () => {
  it('withTimeout rejects with a typed Timeout and calls onTimeout', async () => {
    let aborted = false;
    await expect(
      withTimeout(new Promise(() => undefined), 20, 'a thing', () => (aborted = true)),
    ).rejects.toMatchObject({
      code: 'Timeout',
      message: 'a thing did not finish within 0 s',
    });
    expect(aborted).toBe(true);
    await expect(withTimeout(Promise.resolve(5), 1000, 'x')).resolves.toBe(5);
  });

  it('abortable rejects with Cancelled', async () => {
    const ac = new AbortController();
    const p = abortable(new Promise(() => undefined), ac.signal);
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'Cancelled' });
    await expect(abortable(Promise.resolve(1), ac.signal)).rejects.toMatchObject({ code: 'Cancelled' });
  });

  it('settlesWithin tells whether a promise settled in time', async () => {
    expect(await settlesWithin(Promise.reject(new Error('x')), 50)).toBe(true);
    expect(await settlesWithin(new Promise(() => undefined), 20)).toBe(false);
  });
});
