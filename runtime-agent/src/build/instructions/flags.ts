/** `--flag[=value]` handling for instructions, with Docker's messages. */
import { withSuggestion } from './suggest';

type FlagType = 'bool' | 'string' | 'strings';

interface FlagState {
  type: FlagType;
  value?: string;
  values: string[];
  used: boolean;
}

export class InstructionFlags {
  private readonly defs = new Map<string, FlagState>();

  constructor(private readonly raw: readonly string[]) {}

  bool(name: string): this {
    this.defs.set(name, { type: 'bool', values: [], used: false });
    return this;
  }
  string(name: string): this {
    this.defs.set(name, { type: 'string', values: [], used: false });
    return this;
  }
  strings(name: string): this {
    this.defs.set(name, { type: 'strings', values: [], used: false });
    return this;
  }

  /** Validates the raw flags against the definitions; throws with Docker's message. */
  parse(): this {
    for (const a of this.raw) {
      if (a === '--') return this;
      if (!a.startsWith('--')) throw new Error(`arg should start with -- : ${a}`);
      const eq = a.indexOf('=');
      const flagName = eq < 0 ? a : a.slice(0, eq);
      const hasValue = eq >= 0;
      const value = hasValue ? a.slice(eq + 1) : '';
      const name = flagName.slice(2);
      const def = this.defs.get(name);
      if (!def) throw new Error(withSuggestion(`unknown flag: ${flagName}`, name, [...this.defs.keys()], true));
      if (def.used && def.type !== 'strings') throw new Error(`duplicate flag specified: ${flagName}`);
      def.used = true;
      if (def.type === 'bool') {
        if (hasValue && value === '') throw new Error(`missing a value on flag: ${flagName}`);
        const v = value.toLowerCase();
        if (v === 'true' || v === '') def.value = 'true';
        else if (v === 'false') def.value = 'false';
        else throw new Error(`expecting boolean value for flag ${flagName}, not: ${value}`);
      } else {
        if (!hasValue) throw new Error(`missing a value on flag: ${flagName}`);
        if (def.type === 'string') def.value = value;
        else def.values.push(value);
      }
    }
    return this;
  }

  getString(name: string): string | undefined {
    const d = this.defs.get(name);
    return d?.used ? d.value : undefined;
  }
  getBool(name: string): boolean {
    return this.defs.get(name)?.value === 'true';
  }
  getStrings(name: string): string[] {
    return [...(this.defs.get(name)?.values ?? [])];
  }
}
