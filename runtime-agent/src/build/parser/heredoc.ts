/**
 * Heredoc detection: `<<EOF`, `<<-EOF` (leading tabs stripped), `3<<EOF`, quoted delimiters
 * (`<<'EOF'`, `<<"EOF"`, `<<E"O"F`) that disable expansion, and several heredocs on one line.
 */
import { EMPTY_ENV, ShellLexer } from '../shell-lexer';
import type { Heredoc } from './types';

const reHeredoc = /^(\d*)<<(-?)[\t\n\f\r ]*([^<]*)$/;

/** Instructions whose arguments may name heredocs. */
export const HEREDOC_INSTRUCTIONS = new Set(['add', 'copy', 'run']);

/** A heredoc word (`<<EOF`) → its delimiter and flags, or undefined when the word is not one. */
export function parseHeredocWord(word: string): Omit<Heredoc, 'content'> | undefined {
  const m = reHeredoc.exec(word);
  if (!m) return undefined;
  const rest = m[3] as string;
  if (rest === '') return undefined;
  const words = new ShellLexer('\\', { skipUnsetEnv: true }).processWords(rest, EMPTY_ENV);
  if (words.length !== 1) return undefined;
  const raw = new ShellLexer('\\', { skipUnsetEnv: true, rawQuotes: true }).processWords(rest, EMPTY_ENV);
  if (raw.length !== words.length) throw new Error(`internal lexing of heredoc produced inconsistent results: ${rest}`);
  const name = words[0] as string;
  const quotes = (s: string): number => (s.match(/['"]/g) ?? []).length;
  return {
    name,
    fileDescriptor: m[1] ? Number.parseInt(m[1], 10) : 0,
    chomp: m[2] === '-',
    expand: quotes(name) === quotes(raw[0] as string),
  };
}

/** All heredoc words on a logical line, in order. */
export function heredocsFromLine(line: string): Omit<Heredoc, 'content'>[] {
  let words: string[];
  try {
    words = new ShellLexer('\\', { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true }).processWords(
      line,
      EMPTY_ENV,
    );
  } catch {
    // Docker ignores lexing errors here: such a line simply has no heredocs.
    words = [];
  }
  const docs: Omit<Heredoc, 'content'>[] = [];
  for (const w of words) {
    const h = parseHeredocWord(w);
    if (h) docs.push(h);
  }
  return docs;
}

/** `<<-` bodies: leading tabs removed from every line. */
export function chompHeredocContent(content: string): string {
  return content.replace(/^\t+/gm, '');
}
