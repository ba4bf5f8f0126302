/** Pull/push progress as the docker CLI shows it, and the build output's steps and cache hits. */
import { describe, expect, it } from 'vitest';
import { BuildOutput } from './builds/parse';
import { ProgressTracker } from './progress';

describe('ProgressTracker', () => {
  it('follows layers from waiting to complete and computes the overall percentage', () => {
    const t = new ProgressTracker();
    t.apply({ status: 'Pulling from library/busybox', id: 'latest' });
    t.apply({ status: 'Pulling fs layer', progressDetail: {}, id: 'aaaaaaaaaaaa' });
    t.apply({ status: 'Already exists', progressDetail: {}, id: 'bbbbbbbbbbbb' });
    t.apply({ status: 'Downloading', progressDetail: { current: 250, total: 1000 }, id: 'aaaaaaaaaaaa' });
    let p = t.snapshot();
    expect(p.status).toBe('Pulling from library/busybox latest');
    expect(p.layers).toEqual([
      { id: 'aaaaaaaaaaaa', status: 'Downloading', current: 250, total: 1000, done: false },
      { id: 'bbbbbbbbbbbb', status: 'Already exists', done: true },
    ]);
    expect(p.percent).toBe(25);
    t.apply({ status: 'Extracting', progressDetail: { current: 10, total: 5000 }, id: 'aaaaaaaaaaaa' });
    expect(t.snapshot().percent).toBe(100);
    t.apply({ status: 'Pull complete', progressDetail: {}, id: 'aaaaaaaaaaaa' });
    t.apply({ status: `Digest: sha256:${'a'.repeat(64)}` });
    p = t.snapshot();
    expect(p.layers.every((l) => l.done)).toBe(true);
    expect(t.digest).toBe(`sha256:${'a'.repeat(64)}`);
  });

  it("throws the engine's error with a typed code", () => {
    const t = new ProgressTracker();
    expect(() => t.apply({ error: 'x', errorDetail: { message: 'unauthorized: authentication required' } })).toThrow(
      expect.objectContaining({ code: 'Unauthorized' }) as Error,
    );
    expect(() => t.apply({ error: 'manifest unknown: manifest unknown' })).toThrow(
      expect.objectContaining({ code: 'NotFound' }) as Error,
    );
  });

  it('reads a push digest from aux', () => {
    const t = new ProgressTracker();
    t.apply({ aux: { Digest: `sha256:${'b'.repeat(64)}` } });
    expect(t.digest).toBe(`sha256:${'b'.repeat(64)}`);
  });
});

describe('BuildOutput', () => {
  it('numbers steps, marks cache hits, keeps partial lines and finds the image id', () => {
    const b = new BuildOutput();
    const lines = [
      ...b.apply({ stream: 'Step 1/2 : FROM busybox\n' }),
      ...b.apply({ stream: ' ---> Using cache\n ---> 1234' }),
      ...b.apply({ stream: '56789abc\nStep 2/2 : RUN x\n' }),
      ...b.apply({ status: 'Downloading', id: 'abc', progress: '[=>  ]' }),
      ...b.apply({ stream: 'Successfully built 0123456789ab\n' }),
    ];
    expect(lines.map((l) => [l.text, l.step, l.cached ?? false])).toEqual([
      ['Step 1/2 : FROM busybox', 1, false],
      [' ---> Using cache', 1, true],
      [' ---> 123456789abc', 1, true],
      ['Step 2/2 : RUN x', 2, false],
      ['abc Downloading [=>  ]', 2, false],
      ['Successfully built 0123456789ab', 2, false],
    ]);
    expect(b.imageId).toBe('0123456789ab');
    expect([b.steps, b.cached.size]).toEqual([2, 1]);
    expect(() => b.apply({ error: 'The command returned a non-zero code: 1' })).toThrow(/non-zero/);
  });
});
