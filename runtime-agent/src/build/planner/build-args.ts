/**
 * Build arguments with the classic builder's rules: an ARG is usable from its declaration to the
 * end of its stage; ARGs before the first FROM are usable only in FROM lines unless re-declared
 * (`ARG NAME` without a value then takes the global value); `--build-arg` overrides defaults; the
 * proxy variables are predefined, reach RUN without a declaration, and stay out of the cache key
 * unless declared.
 */

export const BUILTIN_ARGS: ReadonlySet<string> = new Set([
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
]);

/** `--build-arg` values; `undefined` = given without a value and unset in the client (no override). */
export type BuildArgOptions = ReadonlyMap<string, string | undefined>;

export class BuildArgs {
  private allowed = new Map<string, string | undefined>();
  private readonly meta = new Map<string, string | undefined>();
  private readonly referenced = new Set<string>();

  /**
   * @param automatic values BuildKit defines in the global scope (TARGETPLATFORM …): usable in FROM,
   *   and in a stage once declared with `ARG NAME`.
   */
  constructor(
    private readonly options: BuildArgOptions = new Map(),
    private readonly automatic: ReadonlyMap<string, string> = new Map(),
  ) {}

  clone(): BuildArgs {
    const c = new BuildArgs(this.options, this.automatic);
    for (const [k, v] of this.allowed) c.allowed.set(k, v);
    for (const [k, v] of this.meta) c.meta.set(k, v);
    for (const k of this.referenced) c.referenced.add(k);
    return c;
  }

  /** A new stage starts with no declared ARGs (the globals stay available for re-declaration). */
  resetAllowed(): void {
    this.allowed = new Map();
  }

  addMetaArg(key: string, value: string | undefined): void {
    this.meta.set(key, value);
  }

  addArg(key: string, value: string | undefined): void {
    this.allowed.set(key, value);
    this.referenced.add(key);
  }

  mergeReferenced(other: BuildArgs): void {
    for (const k of other.referenced) this.referenced.add(k);
  }

  isReferencedOrNotBuiltin(key: string): boolean {
    return this.allowed.has(key) || !BUILTIN_ARGS.has(key);
  }

  private lookup(key: string, mapping: Map<string, string | undefined>): string | undefined {
    const opt = this.options.get(key);
    if (opt !== undefined) return opt;
    const def = mapping.get(key);
    if (def === undefined) return this.meta.get(key) ?? this.automatic.get(key);
    return def;
  }

  private all(mapping: Map<string, string | undefined>, extra: Iterable<string> = []): Map<string, string> {
    const out = new Map<string, string>();
    for (const key of [...mapping.keys(), ...extra, ...BUILTIN_ARGS]) {
      const v = this.lookup(key, mapping);
      if (v !== undefined) out.set(key, v);
    }
    return out;
  }

  /** Declared ARGs (and given proxy args) with their values. */
  allAllowed(): Map<string, string> {
    return this.all(this.allowed);
  }

  /** Values usable in FROM. */
  allMeta(): Map<string, string> {
    return this.all(this.meta, this.automatic.keys());
  }

  /** `KEY=value` for each usable ARG that no ENV of the same name shadows, sorted. */
  filterAllowed(env: readonly string[]): string[] {
    const keys = new Set(env.map((e) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e)));
    const out: string[] = [];
    for (const [k, v] of this.allAllowed()) if (!keys.has(k)) out.push(`${k}=${v}`);
    return out.sort();
  }

  /** `--build-arg`s nothing declared (proxy args excepted), sorted. */
  unused(): string[] {
    return [...this.options.keys()].filter((k) => !this.referenced.has(k) && !BUILTIN_ARGS.has(k)).sort();
  }
}
