import { describe, expect, it } from 'vitest';
import { applyChanges, splitWords } from './changes';
import { globToRegExp, parseUntil } from './filters';
import { humanSize, progressBar, toJsonMessage } from './progress';

describe('changes (import/commit --change)', () => {
  it('applies Dockerfile instructions to a config', () => {
    const c = applyChanges({ Env: ['A=1'] }, [
      'CMD ["/bin/app", "--flag"]',
      'ENV A=2 B="two words"',
      'ENV LEGACY value with spaces',
      'EXPOSE 80 53/udp',
      'LABEL a=b "c d"=e',
      'VOLUME ["/data"]',
      'WORKDIR /srv',
      'WORKDIR sub',
      'USER 1000:1000',
      'STOPSIGNAL SIGINT',
      'ONBUILD RUN true',
    ]);
    expect(c).toEqual({
      Env: ['A=2', 'B=two words', 'LEGACY=value with spaces'],
      Cmd: ['/bin/app', '--flag'],
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      Labels: { a: 'b', 'c d': 'e' },
      Volumes: { '/data': {} },
      WorkingDir: '/srv/sub',
      User: '1000:1000',
      StopSignal: 'SIGINT',
      OnBuild: ['RUN true'],
    });
    expect(applyChanges({}, ['ENTRYPOINT echo hi']).Entrypoint).toEqual(['/bin/sh', '-c', 'echo hi']);
    expect(() => applyChanges({}, ['RUN rm -rf /'])).toThrow(/RUN is not a valid change command/);
    expect(() => applyChanges({}, ['EXPOSE http'])).toThrow(/invalid port/);
    expect(splitWords(`a "b c" 'd e' f\\ g`)).toEqual(['a', 'b c', 'd e', 'f g']);
  });
});

describe('filters', () => {
  it('matches references like Go path.Match', () => {
    expect(globToRegExp('busy*').test('busybox:latest')).toBe(true);
    expect(globToRegExp('*').test('ns/app')).toBe(false);
    expect(globToRegExp('*/app:v[0-9]').test('ns/app:v1')).toBe(true);
    expect(globToRegExp('a?c').test('abc')).toBe(true);
  });
  it('parses until as timestamps and durations', () => {
    const now = Date.UTC(2024, 0, 2);
    expect(parseUntil('1704067200', now)).toBe(Date.UTC(2024, 0, 1));
    expect(parseUntil('24h', now)).toBe(Date.UTC(2024, 0, 1));
    expect(parseUntil('1h30m', now)).toBe(now - 90 * 60_000);
    expect(parseUntil('2024-01-01T00:00:00Z', now)).toBe(Date.UTC(2024, 0, 1));
    expect(() => parseUntil('yesterday', now)).toThrow(/invalid value for "until"/);
  });
});

describe('progress messages', () => {
  it('renders Docker JSON messages and its progress bar', () => {
    expect(humanSize(1234567)).toBe('1.235MB');
    expect(humanSize(512)).toBe('512B');
    expect(progressBar(50, 100, 10)).toBe('[=====>    ]      50B/100B');
    expect(toJsonMessage({ kind: 'layer', id: 'abc', status: 'Downloading', current: 1, total: 2 })).toMatchObject({
      status: 'Downloading',
      id: 'abc',
      progressDetail: { current: 1, total: 2 },
    });
    expect(toJsonMessage({ kind: 'layer', id: 'abc', status: 'Pull complete' })).toEqual({
      status: 'Pull complete',
      progressDetail: {},
      id: 'abc',
    });
    expect(toJsonMessage({ kind: 'status', status: 'Digest: x' })).toEqual({ status: 'Digest: x' });
  });
});

describe('decompression', () => {
  it('stops cleanly when the consumer gives up mid-stream (no hang on backpressure)', async () => {
    const { decompress } = await import('./decompress');
    const crypto = await import('node:crypto');
    const zlib = await import('node:zlib');
    const gz = zlib.gzipSync(crypto.randomBytes(8 * 1024 * 1024));
    async function* source(): AsyncGenerator<Buffer> {
      for (let i = 0; i < gz.length; i += 64 * 1024) yield gz.subarray(i, i + 64 * 1024);
    }
    let n = 0;
    await expect(
      (async () => {
        for await (const c of decompress(source(), 'gzip')) {
          n += c.length;
          if (n > 1024 * 1024) throw new Error('consumer failed (disk full)');
        }
      })(),
    ).rejects.toThrow(/consumer failed/);
  });
});
