import { describe, expect, it } from 'vitest';
import { collectMounts, parseBind, parseMount } from './mounts';
import type { HostConfig } from './docker-types';

const host = (h: Partial<HostConfig>): HostConfig => ({ Binds: null, Tmpfs: {}, ...h }) as HostConfig;

describe('mount parsing', () => {
  it('parses -v forms', () => {
    expect(parseBind('/srv:/data:ro')).toMatchObject({
      kind: 'bind',
      source: '/srv',
      target: '/data',
      readonly: true,
      propagation: 'rprivate',
    });
    expect(parseBind('vol1:/data')).toMatchObject({ kind: 'volume', name: 'vol1', target: '/data', readonly: false });
    expect(parseBind('/data')).toMatchObject({ kind: 'volume', name: undefined, target: '/data' });
    expect(parseBind('/a:/b:rshared,ro')).toMatchObject({ propagation: 'rshared', readonly: true });
  });
  it('refuses malformed -v specs', () => {
    expect(() => parseBind('a:b:c:d')).toThrow(/invalid volume specification/);
    expect(() => parseBind('/a:rel')).toThrow(/must be absolute/);
    expect(() => parseBind('/a:/b:rx')).toThrow(/invalid mode: rx/);
    expect(() => parseBind('bad name:/b')).toThrow(/invalid characters for a local volume name/);
    expect(() => parseBind('/a:/')).toThrow(/can't be '\/'/);
  });
  it('parses --mount', () => {
    expect(() => parseMount({ Type: 'bind', Source: '/definitely/not/here', Target: '/x' })).toThrow(
      /bind source path does not exist/,
    );
    expect(parseMount({ Type: 'bind', Source: '/tmp', Target: '/x', ReadOnly: true })).toMatchObject({
      kind: 'bind',
      readonly: true,
      createSource: false,
    });
    expect(parseMount({ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1024, Mode: 0o1777 } })).toMatchObject({
      options: 'size=1024,mode=1777',
    });
    expect(() => parseMount({ Type: 'npipe' as 'bind', Target: '/x' })).toThrow(/mount type unknown/);
  });
  it('refuses duplicate mount points', () => {
    expect(() => collectMounts(host({ Binds: ['/tmp:/d'], Tmpfs: { '/d': '' } }))).toThrow('Duplicate mount point: /d');
    expect(collectMounts(host({ Binds: ['/tmp:/d/'], Tmpfs: { '/e': 'ro,size=1m' } }))).toEqual([
      expect.objectContaining({ target: '/d' }),
      { kind: 'tmpfs', target: '/e', options: 'size=1m', readonly: true },
    ]);
  });
});
