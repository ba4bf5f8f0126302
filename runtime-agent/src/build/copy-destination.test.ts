import { describe, expect, it } from 'vitest';
import { resolveChown } from './chown';
import { copyTarget } from './copy-destination';
import type { CopySourceItem } from './planner/types';

const file = (p: string, archive = false): CopySourceItem => ({
  kind: 'path',
  path: p,
  realPath: p,
  hostPath: '/ctx/' + p,
  type: 'file',
  digest: 'file:x',
  ...(archive ? { archive: { compression: 'gzip' as const } } : {}),
});
const dir: CopySourceItem = {
  kind: 'path',
  path: 'src',
  realPath: 'src',
  hostPath: '/ctx/src',
  type: 'dir',
  digest: 'dir:x',
};
const step = (dest: string, destIsDir: boolean, extractArchives = false) => ({ dest, destIsDir, extractArchives });

describe('copyTarget (Docker destination rules)', () => {
  it('puts a file at the destination, or into it when it is a directory', () => {
    expect(copyTarget(file('a/b.txt'), step('/x', false), false)).toEqual({ action: 'file', target: '/x' });
    expect(copyTarget(file('a/b.txt'), step('/x/', true), false)).toEqual({ action: 'file', target: '/x/b.txt' });
    expect(copyTarget(file('a/b.txt'), step('/x', false), true)).toEqual({ action: 'file', target: '/x/b.txt' });
    expect(copyTarget(file('b.txt'), step('/', true), true)).toEqual({ action: 'file', target: '/b.txt' });
  });

  it('merges directories and extracts ADD archives', () => {
    expect(copyTarget(dir, step('/app', false), false)).toEqual({ action: 'merge-dir', target: '/app' });
    expect(copyTarget(file('t.tgz', true), step('/opt/', true, true), false)).toEqual({
      action: 'extract',
      target: '/opt',
    });
    expect(copyTarget(file('t.tgz', true), step('/opt/', true, false), false)).toEqual({
      action: 'file',
      target: '/opt/t.tgz',
    });
  });

  it('names URL and heredoc files', () => {
    const url: CopySourceItem = { kind: 'url', url: 'http://h/', hostPath: '/d/__unnamed__', digest: 'url:x' };
    expect(copyTarget(url, step('/f', false), false)).toEqual({ action: 'file', target: '/f' });
    expect(copyTarget({ ...url, filename: 'tool' }, step('/bin/', true), false)).toEqual({
      action: 'file',
      target: '/bin/tool',
    });
    expect(copyTarget({ kind: 'content', name: 'EOF' }, step('/etc/', true), false)).toEqual({
      action: 'file',
      target: '/etc/EOF',
    });
  });
});

describe('resolveChown', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n';
  const group = 'root:x:0:\nstaff:x:50:\napp:x:1001:\n';
  it('resolves names and numbers like BuildKit', () => {
    expect(resolveChown('1000', passwd, group)).toEqual({ uid: 1000, gid: 1000 });
    expect(resolveChown('app', passwd, group)).toEqual({ uid: 1000, gid: 1001 });
    expect(resolveChown('app:staff', passwd, group)).toEqual({ uid: 1000, gid: 50 });
    expect(resolveChown('0:7', undefined, undefined)).toEqual({ uid: 0, gid: 7 });
  });
  it('refuses unknown names and bad formats', () => {
    expect(() => resolveChown('nobody', passwd, group)).toThrow("can't find uid for user nobody: no such user: nobody");
    expect(() => resolveChown('app:wheel', passwd, group)).toThrow("can't find gid for group wheel");
    expect(() => resolveChown('a:b:c', passwd, group)).toThrow('invalid chown string format: a:b:c');
  });
});
