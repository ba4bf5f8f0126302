import balena from '@balena/dockerignore';
import { describe, expect, it } from 'vitest';
import { IgnoreMatcher, readIgnoreFile } from './dockerignore';

const ignored = (patterns: string, paths: string[]): string[] => {
  const m = new IgnoreMatcher(readIgnoreFile(patterns));
  return paths.filter((p) => m.ignores(p));
};

describe('readIgnoreFile (Docker ignorefile.ReadAll)', () => {
  it('drops comments and blank lines, trims, cleans, strips a leading slash, keeps `!`', () => {
    const text = '\ufeff# comment\n\n  *.tmp  \n/abs/path\n./rel/../x/\n! spaced/exception \n  # not a comment\r\nlast';
    expect(readIgnoreFile(text)).toEqual(['*.tmp', 'abs/path', 'x', '!spaced/exception', '# not a comment', 'last']);
  });
});

describe('IgnoreMatcher (Docker patternmatcher semantics)', () => {
  const tree = [
    'README.md',
    'README-secret.md',
    'CHANGELOG.md',
    'docs/guide.md',
    'temp',
    'tempa',
    'somedir/temporary.txt',
    'somedir/temp',
    'somedir/sub/temp.txt',
    'a.go',
    'pkg/b.go',
    'pkg/deep/c.go',
  ];

  it('applies the Dockerfile reference examples', () => {
    expect(ignored('*/temp*', tree)).toEqual(['somedir/temporary.txt', 'somedir/temp']);
    expect(ignored('*/*/temp*', tree)).toEqual(['somedir/sub/temp.txt']);
    expect(ignored('temp?', tree)).toEqual(['tempa']);
    expect(ignored('**/*.go', tree)).toEqual(['a.go', 'pkg/b.go', 'pkg/deep/c.go']);
  });

  it('evaluates `!` exceptions in order (the reference README example, both orders)', () => {
    expect(ignored('*.md\n!README*.md\nREADME-secret.md', tree)).toEqual(['README-secret.md', 'CHANGELOG.md']);
    expect(ignored('*.md\nREADME-secret.md\n!README*.md', tree)).toEqual(['CHANGELOG.md']);
  });

  it('excludes everything below a matched directory unless an exception re-includes it', () => {
    const paths = ['dir', 'dir/keep', 'dir/drop', 'dir/sub/x', 'other'];
    expect(ignored('dir', paths)).toEqual(['dir', 'dir/keep', 'dir/drop', 'dir/sub/x']);
    expect(ignored('dir\n!dir/keep', paths)).toEqual(['dir', 'dir/drop', 'dir/sub/x']);
    expect(ignored('dir/\n', paths)).toEqual(['dir', 'dir/keep', 'dir/drop', 'dir/sub/x']);
    expect(ignored('/dir', paths)).toEqual(['dir', 'dir/keep', 'dir/drop', 'dir/sub/x']);
  });

  it('handles ** at the start, middle and end', () => {
    const paths = ['foo', 'foo/a', 'foo/b/c', 'x/foo', 'x/y/foo/z', 'xfoo', 'a/b/c.txt', 'a/c.txt'];
    expect(ignored('**', paths)).toEqual(paths);
    expect(ignored('foo/**', paths)).toEqual(['foo/a', 'foo/b/c']);
    expect(ignored('**/foo', paths)).toEqual(['foo', 'foo/a', 'foo/b/c', 'x/foo', 'x/y/foo/z']);
    expect(ignored('a/**/c.txt', paths)).toEqual(['a/b/c.txt', 'a/c.txt']);
    // Docker treats a leading `**` without a slash as "any suffix".
    expect(ignored('**foo', paths)).toEqual(['foo', 'foo/a', 'foo/b/c', 'x/foo', 'x/y/foo/z', 'xfoo']);
  });

  it('is case-sensitive and treats regexp characters literally', () => {
    expect(ignored('*.MD', ['a.md', 'b.MD'])).toEqual(['b.MD']);
    expect(ignored('a+b', ['a+b', 'aab', 'ab'])).toEqual(['a+b']);
    expect(ignored('f(1)|{2}', ['f(1)|{2}', 'f1'])).toEqual(['f(1)|{2}']);
    expect(ignored('a.b', ['a.b', 'axb'])).toEqual(['a.b']);
  });

  it('supports character classes and escapes', () => {
    expect(ignored('[a-c].txt', ['a.txt', 'd.txt'])).toEqual(['a.txt']);
    expect(ignored('[^a].txt', ['a.txt', 'b.txt'])).toEqual(['b.txt']);
    expect(ignored('\\*.txt', ['*.txt', 'a.txt'])).toEqual(['*.txt']);
  });

  it('never excludes the context root', () => {
    expect(new IgnoreMatcher(['*', '**']).ignores('.')).toBe(false);
  });

  it('rejects malformed patterns', () => {
    expect(() => new IgnoreMatcher(['['])).toThrow(/syntax error in pattern/);
    expect(() => new IgnoreMatcher(['!'])).toThrow(/illegal exclusion pattern/);
  });
});

describe('@balena/dockerignore compared with Docker', () => {
  const balenaIgnored = (patterns: string, paths: string[]): string[] => {
    const ig = balena({ ignorecase: false }).add(patterns);
    return paths.filter((p) => ig.ignores(p));
  };
  const common: [string, string[]][] = [
    ['*/temp*', ['somedir/temporary.txt', 'temp', 'somedir/temp']],
    ['**/*.go', ['a.go', 'pkg/b.go', 'pkg/deep/c.go', 'a.c']],
    ['*.md\n!README*.md\nREADME-secret.md', ['README.md', 'README-secret.md', 'x.md']],
    ['dir\n!dir/keep', ['dir', 'dir/keep', 'dir/drop']],
    ['foo/**', ['foo', 'foo/a', 'foo/b/c']],
  ];
  it('agrees on the common cases', () => {
    for (const [patterns, paths] of common) expect(balenaIgnored(patterns, paths)).toEqual(ignored(patterns, paths));
  });

  it('differs where Berth follows Docker instead', () => {
    // Case: balena ignores case by default.
    expect(balena().add('*.MD').ignores('a.md')).toBe(true);
    expect(ignored('*.MD', ['a.md'])).toEqual([]);
    // `+` is a regular-expression operator in balena's translation.
    expect(balenaIgnored('a+b', ['aab'])).toEqual(['aab']);
    expect(ignored('a+b', ['aab'])).toEqual([]);
    // A leading `**foo` matches any suffix in Docker.
    expect(balenaIgnored('**foo', ['xfoo'])).toEqual([]);
    expect(ignored('**foo', ['xfoo'])).toEqual(['xfoo']);
  });
});
