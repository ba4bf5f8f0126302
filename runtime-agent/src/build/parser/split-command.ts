/** Splits a logical line into the instruction word, its leading `--flags`, and the rest. */
import { isGoSpace } from '../shell-lexer';
import { splitWhitespace, trimSpace } from './text';

export interface SplitCommand {
  keyword: string;
  flags: string[];
  rest: string;
}

export function splitCommand(line: string, escapeToken: string): SplitCommand {
  const parts = splitWhitespace(trimSpace(line), 2);
  const keyword = parts[0] as string;
  if (parts.length < 2) return { keyword, flags: [], rest: '' };
  const { rest, flags } = extractBuilderFlags(parts[1] as string, escapeToken);
  return { keyword, flags, rest: trimSpace(rest) };
}

/**
 * Collects leading words that start with `--` (quotes and escapes removed); `--` alone ends the
 * flags. Returns the remainder of the line from the first non-flag word.
 */
export function extractBuilderFlags(line: string, escapeToken: string): { rest: string; flags: string[] } {
  const flags: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let buf = '';
  let quote = '';
  let blankOK = false;
  for (let pos = 0; pos <= line.length; pos++) {
    const atEnd = pos === line.length;
    let ch = atEnd ? '' : (line[pos] as string);
    if (phase === 'spaces') {
      if (atEnd) break;
      if (isGoSpace(ch)) continue;
      if (ch !== '-' || pos + 1 === line.length || line[pos + 1] !== '-') return { rest: line.slice(pos), flags };
      phase = 'word';
    }
    if (atEnd) {
      if (buf !== '--' && (blankOK || buf.length > 0)) flags.push(buf);
      break;
    }
    if (phase === 'word') {
      if (isGoSpace(ch)) {
        phase = 'spaces';
        if (buf === '--') return { rest: line.slice(pos), flags };
        if (blankOK || buf.length > 0) flags.push(buf);
        buf = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
        continue;
      }
      if (ch === escapeToken) {
        if (pos + 1 === line.length) continue;
        pos++;
        ch = line[pos] as string;
      }
      buf += ch;
      continue;
    }
    if (ch === quote) {
      phase = 'word';
      continue;
    }
    if (ch === escapeToken) {
      if (pos + 1 === line.length) {
        phase = 'word';
        continue;
      }
      pos++;
      ch = line[pos] as string;
    }
    buf += ch;
  }
  return { rest: '', flags };
}
