import { describe, expect, it } from 'vitest';
import { Query } from '../../query';
import { parseBuildQuery } from './query';
import { parseRegistryConfig } from './registry-config';

const q = (s: string): Query => new Query(new URLSearchParams(s));

describe('POST /build query', () => {
  it('reads the classic parameters with dockerd defaults', () => {
    const p = parseBuildQuery(
      q(
        't=a:1&t=b&dockerfile=sub/Dockerfile&buildargs=%7B%22X%22%3A%221%22%2C%22Y%22%3Anull%7D' +
          '&labels=%7B%22l%22%3A%22v%22%7D&target=build&nocache=1&pull=1&q=1&networkmode=none' +
          '&extrahosts=h1%3A1.2.3.4%2Ch2%3A5.6.7.8&memory=1048576&shmsize=65536&platform=linux%2Famd64',
      ),
    );
    expect(p).toMatchObject({
      tags: ['a:1', 'b'],
      dockerfile: 'sub/Dockerfile',
      buildArgs: { X: '1', Y: null },
      labels: { l: 'v' },
      target: 'build',
      noCache: true,
      pull: true,
      rm: true,
      forceRm: false,
      quiet: true,
      platform: 'linux/amd64',
    });
    expect(p.settings).toMatchObject({
      networkMode: 'none',
      extraHosts: ['h1:1.2.3.4', 'h2:5.6.7.8'],
      memory: 1048576,
      shmSize: 65536,
    });
    expect(parseBuildQuery(q('rm=0')).rm).toBe(false);
  });

  it('refuses bad tags, bad JSON and remote contexts', () => {
    expect(() => parseBuildQuery(q('t=UPPER:case'))).toThrow();
    expect(() => parseBuildQuery(q('buildargs=%5B1%5D'))).toThrow(/invalid buildargs/);
    expect(() => parseBuildQuery(q('labels=nope'))).toThrow(/invalid labels/);
    expect(() => parseBuildQuery(q('remote=https://example.com/x.git'))).toThrow(/remote context/);
  });
});

describe('X-Registry-Config', () => {
  it('finds the credentials of a registry host', () => {
    const header = Buffer.from(
      JSON.stringify({
        'localhost:5000': { username: 'alice', password: 'pw' },
        'https://index.docker.io/v1/': { auth: Buffer.from('bob:secret').toString('base64') },
      }),
    ).toString('base64');
    const lookup = parseRegistryConfig(header);
    expect(lookup('localhost:5000')).toMatchObject({ username: 'alice', password: 'pw' });
    expect(lookup('docker.io')).toMatchObject({ username: 'bob', password: 'secret' });
    expect(lookup('other:1')).toBeUndefined();
    expect(parseRegistryConfig(undefined)('x')).toBeUndefined();
    expect(() => parseRegistryConfig('!!!')).toThrow(/X-Registry-Config/);
  });
});
