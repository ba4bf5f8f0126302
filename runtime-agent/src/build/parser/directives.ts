/**
 * Parser directives (`# syntax=`, `# escape=`, `# check=`): only in the comment lines at the very
 * top of the file. The first line that is not a known directive (an instruction, an empty line, any
 * other comment) ends the directive section; a repeated directive is an error.
 */
import { trimLeftSpace } from './text';
import type { Directives } from './types';

const reDirective = /^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$/;
const KNOWN = new Set(['syntax', 'escape', 'check']);

export class DirectiveParser {
  private done = false;
  private readonly seen = new Set<string>();
  readonly directives: Directives = {};

  /**
   * Looks at one physical line (leading white space already removed). Returns the directive name when
   * the line is one; throws on a repeated directive.
   */
  parseLine(line: string): keyof Directives | undefined {
    if (this.done) return undefined;
    if (!line.startsWith('#')) {
      this.done = true;
      return undefined;
    }
    const m = reDirective.exec(trimLeftSpace(line.slice(1)));
    const key = m?.[1]?.toLowerCase();
    if (!m || key === undefined || !KNOWN.has(key)) {
      this.done = true;
      return undefined;
    }
    if (this.seen.has(key)) throw new Error(`only one ${key} parser directive can be used`);
    this.seen.add(key);
    const name = key as keyof Directives;
    this.directives[name] = m[2] as string;
    return name;
  }
}

export function checkEscapeToken(value: string): string {
  if (value !== '`' && value !== '\\') throw new Error(`invalid escape token '${value}' does not match \` or \\`);
  return value;
}
