/** The Dockerfile syntax tree: one node per instruction, before any typing or expansion. */

export interface Heredoc {
  /** Delimiter word with quotes removed (`EOF` for `<<'EOF'`). */
  name: string;
  /** `3<<EOF` → 3; 0 when not given. */
  fileDescriptor: number;
  /** False when any part of the delimiter was quoted: the body is then taken literally. */
  expand: boolean;
  /** `<<-EOF`: leading tabs are stripped from the body lines. */
  chomp: boolean;
  /** Body lines as written (with their newlines), not chomped. */
  content: string;
}

export interface KeyValueNode {
  key: string;
  value: string;
  /** Legacy `ENV key value` form (no `=`). */
  legacy: boolean;
}

export interface InstructionNode {
  /** The instruction word as written (`run`, `RUN`). */
  keyword: string;
  /** Lower-case instruction name. */
  name: string;
  /** The logical line after joining continuations (comments and the escape characters removed). */
  original: string;
  /** Leading `--flag[=value]` words, quotes and escapes removed. */
  flags: string[];
  /** Arguments as the instruction's line parser split them (quotes kept where Docker keeps them). */
  args: string[];
  /** ENV and LABEL pairs. */
  kv?: KeyValueNode[];
  /** Exec (JSON array) form. */
  json: boolean;
  heredocs: Heredoc[];
  /** The instruction an ONBUILD wraps. */
  sub?: InstructionNode;
  startLine: number;
  endLine: number;
}

export interface ParseWarning {
  line: number;
  message: string;
}

export interface Directives {
  syntax?: string;
  escape?: string;
  check?: string;
}

export interface ParsedDockerfile {
  nodes: InstructionNode[];
  escapeToken: string;
  directives: Directives;
  warnings: ParseWarning[];
}
