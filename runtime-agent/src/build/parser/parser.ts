/**
 * Dockerfile text → instruction nodes, with Docker's line rules: parser directives at the top,
 * comments, line continuations with the escape character (comment lines and empty lines inside a
 * continuation are dropped, the latter with a warning), heredoc bodies, and 1-based line numbers
 * on every node and every error.
 */
import { DockerfileError } from '../errors';
import { checkEscapeToken, DirectiveParser } from './directives';
import { HEREDOC_INSTRUCTIONS, heredocsFromLine } from './heredoc';
import {
  type LineArgs,
  parseHealthConfig,
  parseMaybeJSON,
  parseMaybeJSONToList,
  parseNameVal,
  parseString,
  parseStringsWhitespaceDelimited,
  parseWords,
} from './line-parsers';
import { splitCommand } from './split-command';
import { isCommentLine, splitLinesKeepEnds, trimLeftSpace, trimNewline } from './text';
import type { Heredoc, InstructionNode, ParsedDockerfile, ParseWarning } from './types';

type LineParser = (rest: string, escapeToken: string) => LineArgs;

const LINE_PARSERS: Record<string, LineParser> = {
  add: parseMaybeJSONToList,
  arg: (rest, esc) => ({ args: parseWords(rest, esc), json: false }),
  cmd: parseMaybeJSON,
  copy: parseMaybeJSONToList,
  entrypoint: parseMaybeJSON,
  env: (rest, esc) => parseNameVal(rest, 'ENV', esc),
  expose: parseStringsWhitespaceDelimited,
  from: parseStringsWhitespaceDelimited,
  healthcheck: parseHealthConfig,
  label: (rest, esc) => parseNameVal(rest, 'LABEL', esc),
  maintainer: parseString,
  run: parseMaybeJSON,
  shell: parseMaybeJSON,
  stopsignal: parseString,
  user: parseString,
  volume: parseMaybeJSONToList,
  workdir: parseString,
};

/** One logical line → a node (heredoc bodies are attached by the caller). */
export function nodeFromLine(line: string, escapeToken: string, startLine: number, endLine: number): InstructionNode {
  const { keyword, flags, rest } = splitCommand(line, escapeToken);
  const name = keyword.toLowerCase();
  const node: InstructionNode = {
    keyword,
    name,
    original: line,
    flags,
    args: [],
    json: false,
    heredocs: [],
    startLine,
    endLine,
  };
  if (name === 'onbuild') {
    if (rest !== '') {
      node.sub = nodeFromLine(rest, escapeToken, startLine, endLine);
      node.args = [node.sub.keyword, ...node.sub.args];
    }
    return node;
  }
  const parse = LINE_PARSERS[name];
  if (!parse) return node; // unknown instructions are reported with their line when typed
  const parsed = parse(rest, escapeToken);
  node.args = parsed.args;
  node.json = parsed.json;
  if (parsed.kv) node.kv = parsed.kv;
  return node;
}

function canContainHeredoc(node: InstructionNode): boolean {
  const target = node.name === 'onbuild' && node.sub ? node.sub : node;
  return HEREDOC_INSTRUCTIONS.has(target.name) && !target.json;
}

/** Reads physical lines and tracks the 1-based number of the last line consumed. */
class Lines {
  private readonly lines: string[];
  private idx = 0;
  constructor(text: string) {
    this.lines = splitLinesKeepEnds(text);
  }
  get lineNo(): number {
    return this.idx;
  }
  next(): string | undefined {
    if (this.idx >= this.lines.length) return undefined;
    return this.lines[this.idx++];
  }
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const src = text.startsWith('\ufeff') ? text.slice(1) : text;
  const lines = new Lines(src);
  const directives = new DirectiveParser();
  let escapeToken = '\\';
  let continuation = continuationRegex(escapeToken);
  const nodes: InstructionNode[] = [];
  const warnings: ParseWarning[] = [];

  // processLine: strip the line ending (and, for a first line, leading white space), feed the
  // directive parser, and blank out comments.
  const processLine = (raw: string, stripLeft: boolean): string => {
    let token = trimNewline(raw);
    if (stripLeft) token = trimLeftSpace(token);
    let directive: string | undefined;
    try {
      directive = directives.parseLine(token);
      if (directive === 'escape') {
        escapeToken = checkEscapeToken(directives.directives.escape as string);
        continuation = continuationRegex(escapeToken);
      }
    } catch (err) {
      throw new DockerfileError(lines.lineNo, (err as Error).message);
    }
    return isCommentLine(token) ? '' : token;
  };
  const trimContinuation = (line: string): [string, boolean] => {
    if (continuation.test(line)) return [line.replace(continuation, '$1'), false];
    return [line, true];
  };

  for (let raw = lines.next(); raw !== undefined; raw = lines.next()) {
    const startLine = lines.lineNo;
    let [part, isEnd] = trimContinuation(processLine(raw, true));
    if (isEnd && part.length === 0) continue;
    let buf = part;
    let emptyContinuation = false;
    while (!isEnd) {
      const cont = lines.next();
      if (cont === undefined) break;
      const processed = processLine(cont, false);
      if (isCommentLine(cont)) continue;
      if (trimLeftSpace(processed).length === 0) {
        emptyContinuation = true;
        continue;
      }
      [part, isEnd] = trimContinuation(processed);
      buf += part;
    }
    if (emptyContinuation) {
      warnings.push({ line: lines.lineNo, message: `Empty continuation line found in: ${buf}` });
    }
    let node: InstructionNode;
    try {
      node = nodeFromLine(buf, escapeToken, startLine, lines.lineNo);
    } catch (err) {
      throw new DockerfileError(startLine, (err as Error).message, { endLine: lines.lineNo });
    }
    if (canContainHeredoc(node) && buf.includes('<<')) readHeredocs(node, buf, lines, startLine);
    node.endLine = lines.lineNo;
    if (node.sub) {
      node.sub.heredocs = node.heredocs;
      node.sub.endLine = node.endLine;
    }
    nodes.push(node);
  }

  if (nodes.length === 0) throw new DockerfileError(Math.max(1, lines.lineNo), 'file with no instructions');
  return { nodes, escapeToken, directives: { ...directives.directives }, warnings };
}

function readHeredocs(node: InstructionNode, line: string, lines: Lines, startLine: number): void {
  let docs: Omit<Heredoc, 'content'>[];
  try {
    docs = heredocsFromLine(line);
  } catch (err) {
    throw new DockerfileError(startLine, (err as Error).message, { endLine: lines.lineNo });
  }
  for (const doc of docs) {
    let content = '';
    let terminated = false;
    for (let raw = lines.next(); raw !== undefined; raw = lines.next()) {
      let candidate = trimNewline(raw);
      if (doc.chomp) candidate = candidate.replace(/^\t+/, '');
      if (candidate === doc.name) {
        terminated = true;
        break;
      }
      content += raw;
    }
    if (!terminated) throw new DockerfileError(startLine, 'unterminated heredoc', { endLine: lines.lineNo });
    node.heredocs.push({ ...doc, content });
  }
}

/**
 * The escape character as the last non-blank character continues the line, unless it is itself
 * escaped (`\\`). Like Docker, an odd run of three or more escapes is not recognised.
 */
function continuationRegex(escapeToken: string): RegExp {
  const e = escapeToken === '\\' ? '\\\\' : escapeToken;
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
}
