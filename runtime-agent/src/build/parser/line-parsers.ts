/**
 * Per-instruction argument splitting, as Docker's line parsers do it. Quotes are mostly kept here
 * and removed later by variable expansion; JSON arrays become exec form; a string that is not a
 * valid JSON array of strings falls back to shell form (an array with non-strings is an error).
 */
import { isGoSpace } from '../shell-lexer';
import { splitWhitespace, trimLeftSpace } from './text';
import type { KeyValueNode } from './types';

export interface LineArgs {
  args: string[];
  kv?: KeyValueNode[];
  json: boolean;
}

export const ERR_NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only';

/** Splits on unquoted white space; quotes and escapes are kept in the words. */
export function parseWords(rest: string, escapeToken: string): string[] {
  const words: string[] = [];
  const chars = Array.from(rest);
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let quote = '';
  let blankOK = false;
  let buf = '';
  for (let pos = 0; pos <= chars.length; pos++) {
    const atEnd = pos === chars.length;
    let ch = atEnd ? '' : (chars[pos] as string);
    if (phase === 'spaces') {
      if (atEnd) break;
      if (isGoSpace(ch)) continue;
      phase = 'word';
    }
    if (atEnd) {
      if (blankOK || buf.length > 0) words.push(buf);
      break;
    }
    if (phase === 'word') {
      if (isGoSpace(ch)) {
        phase = 'spaces';
        if (blankOK || buf.length > 0) words.push(buf);
        buf = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
      }
      if (ch === escapeToken) {
        if (pos + 1 === chars.length) continue; // an escape at the very end is dropped
        buf += ch;
        pos++;
        ch = chars[pos] as string;
      }
      buf += ch;
      continue;
    }
    // inside quotes
    if (ch === quote) phase = 'word';
    if (ch === escapeToken && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = 'word';
        continue;
      }
      pos++;
      buf += ch;
      ch = chars[pos] as string;
    }
    buf += ch;
  }
  return words;
}

/** ENV / LABEL: `key=value …` pairs, or the legacy `key value with spaces`. */
export function parseNameVal(rest: string, instruction: string, escapeToken: string): LineArgs {
  const words = parseWords(rest, escapeToken);
  if (words.length === 0) return { args: [], kv: [], json: false };
  if (!(words[0] as string).includes('=')) {
    const parts = splitWhitespace(rest, 2);
    if (parts.length < 2) throw new Error(`${instruction} must have two arguments`);
    const kv = [{ key: parts[0] as string, value: parts[1] as string, legacy: true }];
    return { args: [parts[0] as string, parts[1] as string], kv, json: false };
  }
  const kv: KeyValueNode[] = [];
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq < 0) {
      throw new Error(`Syntax error - can't find = in ${JSON.stringify(word)}. Must be of the form: name=value`);
    }
    kv.push({ key: word.slice(0, eq), value: word.slice(eq + 1), legacy: false });
  }
  return { args: kv.flatMap((p) => [p.key, p.value]), kv, json: false };
}

export function parseStringsWhitespaceDelimited(rest: string): LineArgs {
  if (rest === '') return { args: [], json: false };
  return { args: splitWhitespace(rest, -1), json: false };
}

export function parseString(rest: string): LineArgs {
  return { args: rest === '' ? [] : [rest], json: false };
}

class NotJsonArray extends Error {}

function parseJSON(rest: string): LineArgs {
  const text = trimLeftSpace(rest);
  if (!text.startsWith('[')) throw new NotJsonArray('not a JSON array');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new NotJsonArray('invalid JSON');
  }
  if (!Array.isArray(value)) throw new NotJsonArray('not a JSON array');
  const args: string[] = [];
  for (const v of value) {
    if (typeof v !== 'string') throw new Error(ERR_NOT_STRING_ARRAY);
    args.push(v);
  }
  return { args, json: true };
}

function tryJSON(rest: string): LineArgs | undefined {
  try {
    return parseJSON(rest);
  } catch (err) {
    if (err instanceof NotJsonArray) return undefined;
    throw err;
  }
}

/** RUN, CMD, ENTRYPOINT, SHELL: exec form or one shell-form string. */
export function parseMaybeJSON(rest: string): LineArgs {
  if (rest === '') return { args: [], json: false };
  return tryJSON(rest) ?? { args: [rest], json: false };
}

/** ADD, COPY, VOLUME: exec form or white-space separated words (quotes are not special). */
export function parseMaybeJSONToList(rest: string): LineArgs {
  return tryJSON(rest) ?? parseStringsWhitespaceDelimited(rest);
}

/** HEALTHCHECK: a type word (CMD, NONE) followed by a command in either form. */
export function parseHealthConfig(rest: string): LineArgs {
  let sep = 0;
  while (sep < rest.length && !isGoSpace(rest[sep] as string)) sep++;
  let next = sep;
  while (next < rest.length && isGoSpace(rest[next] as string)) next++;
  if (sep === 0) return { args: [], json: false };
  const cmd = parseMaybeJSON(rest.slice(next));
  return { args: [rest.slice(0, sep), ...cmd.args], json: cmd.json };
}
