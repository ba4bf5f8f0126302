import { describe, expect, it } from 'vitest';
import { isDockerfileError } from '../errors';
import { parseHeredocWord, heredocsFromLine } from './heredoc';
import { parseWords } from './line-parsers';
import { parseDockerfile } from './parser';
import { extractBuilderFlags } from './split-command';

describe('parseDockerfile', () => {
  it('strips a BOM and handles CRLF line endings', () => {
    const r = parseDockerfile('\ufeffFROM busybox\r\nRUN echo a \\\r\n  b\r\n');
    expect(r.nodes.map((n) => [n.name, n.args, n.startLine, n.endLine])).toEqual([
      ['from', ['busybox'], 1, 1],
      ['run', ['echo a   b'], 2, 3],
    ]);
  });

  it('recognises directives only at the very top', () => {
    expect(parseDockerfile('# escape=`\nFROM x\n').escapeToken).toBe('`');
    expect(parseDockerfile('\n# escape=`\nFROM x\n').escapeToken).toBe('\\');
    expect(parseDockerfile('# hello\n# escape=`\nFROM x\n').escapeToken).toBe('\\');
    expect(parseDockerfile('FROM x\n# escape=`\n').escapeToken).toBe('\\');
    expect(parseDockerfile('#  ESCAPE  =  `  \nFROM x\n').directives).toEqual({ escape: '`' });
  });

  it('gives ONBUILD its heredocs and the wrapped instruction', () => {
    const r = parseDockerfile('FROM x\nONBUILD RUN <<EOF\nhi\nEOF\n');
    const n = r.nodes[1];
    expect(n?.sub?.name).toBe('run');
    expect(n?.heredocs.map((h) => [h.name, h.content])).toEqual([['EOF', 'hi\n']]);
    expect([n?.startLine, n?.endLine]).toEqual([2, 4]);
  });

  it('does not look for heredocs in exec form or other instructions', () => {
    const r = parseDockerfile('FROM x\nRUN ["cat", "<<EOF"]\nUSER <<EOF\nLABEL a=<<EOF\n');
    expect(r.nodes.every((n) => n.heredocs.length === 0)).toBe(true);
    expect(r.nodes).toHaveLength(4);
  });

  it('throws DockerfileError with the line', () => {
    try {
      parseDockerfile('FROM x\n\nRUN ["a", 1]\n');
      expect.unreachable();
    } catch (err) {
      expect(isDockerfileError(err) && [err.line, err.kind, err.detail]).toEqual([
        3,
        'InvalidArgument',
        'when using JSON array syntax, arrays must be comprised of strings only',
      ]);
    }
  });
});

describe('heredoc words', () => {
  it('parses delimiters like BuildKit', () => {
    const w = (s: string) => {
      const h = parseHeredocWord(s);
      return h && [h.name, h.expand, h.chomp, h.fileDescriptor];
    };
    expect(w('<<EOF')).toEqual(['EOF', true, false, 0]);
    expect(w('<<-EOF')).toEqual(['EOF', true, true, 0]);
    expect(w('3<<EOF')).toEqual(['EOF', true, false, 3]);
    expect(w("<<'EOF'")).toEqual(['EOF', false, false, 0]);
    expect(w('<<"EOF"')).toEqual(['EOF', false, false, 0]);
    expect(w("<<eo'f'")).toEqual(['eof', false, false, 0]);
    expect(w("<<eo\\'f")).toEqual(["eo'f", true, false, 0]);
    expect(w("<<'one two'")).toEqual(['one two', false, false, 0]);
    expect(w('<<  EOF')).toEqual(['EOF', true, false, 0]);
    expect(w('<<EOF bash')).toBeUndefined();
    expect(w('<<')).toBeUndefined();
    expect(w('"<<EOF"')).toBeUndefined();
  });

  it('finds several heredocs on one line, ignoring quoted ones', () => {
    expect(heredocsFromLine('COPY <<A <<-B "<<C" /dst/').map((h) => h.name)).toEqual(['A', 'B']);
    expect(heredocsFromLine('RUN <<  EOF  > foo').map((h) => h.name)).toEqual(['EOF']);
    expect(heredocsFromLine('RUN echo "unterminated <<EOF')).toEqual([]);
  });
});

describe('line helpers', () => {
  it('splits words keeping quotes and escapes (ENV, LABEL, ARG)', () => {
    expect(parseWords('a=1 b="x y" c=d\\ e \'f g\'', '\\')).toEqual(['a=1', 'b="x y"', 'c=d\\ e', "'f g'"]);
    expect(parseWords('a="" ""', '\\')).toEqual(['a=""', '""']);
    expect(parseWords('a=`"b c`"', '`')).toEqual(['a=`"b', 'c`"']);
  });

  it('extracts leading --flags (quotes removed) and stops at the first word or --', () => {
    expect(extractBuilderFlags('--from=build --chown="a b" src dst', '\\')).toEqual({
      flags: ['--from=build', '--chown=a b'],
      rest: 'src dst',
    });
    expect(extractBuilderFlags('-- --x y', '\\')).toEqual({ flags: [], rest: ' --x y' });
    expect(extractBuilderFlags('--link', '\\')).toEqual({ flags: ['--link'], rest: '' });
  });
});
