/**
 * The build context as the agent receives it: a tar (plain, gzip or zstd; the CLI's truncated tar
 * accepted) extracted into a private temporary directory, the Dockerfile found (`dockerfile=`,
 * default `Dockerfile`, falling back to `dockerfile`), and `.dockerignore` applied with Docker's
 * rules, including to the Dockerfile and `.dockerignore` themselves once read. Any failure removes
 * everything that was written.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InvalidArgument, NotFound } from '../../errdefs';
import { type ByteSource, type Compression, decompressStream } from './decompress';
import { IgnoreMatcher, matcherFilter, type PathFilter, readIgnoreFile } from './dockerignore';
import { type ExtractLimits, extractTar } from './extract';
import { ContentHasher } from './hash';
import { cleanRelative, resolveInRoot } from './scoped-path';
import type { SourceRoot } from './copy-sources';
import { readTar } from './tar-reader';

export const DEFAULT_DOCKERFILE = 'Dockerfile';

export interface OpenContextOptions {
  /** The `dockerfile` parameter: a path inside the context. */
  dockerfile?: string;
  /** Parent of the temporary directory (default: the OS temp directory). */
  tmpDir?: string;
  limits?: ExtractLimits;
}

interface ContextParts {
  workDir?: string;
  root: string;
  dockerfileName: string;
  dockerfile: string;
  ignorePatterns: string[];
  filter?: PathFilter;
  skipped: string[];
  compression: Compression;
}

async function readIfFile(p: string): Promise<string | undefined> {
  try {
    const st = await fs.lstat(p);
    return st.isFile() ? await fs.readFile(p, 'utf8') : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function locateDockerfile(root: string, requested: string | undefined): Promise<{ name: string; text: string }> {
  const name = requested || DEFAULT_DOCKERFILE;
  const candidates = name === DEFAULT_DOCKERFILE ? [name, name.toLowerCase()] : [name];
  for (const candidate of candidates) {
    const rel = cleanRelative(candidate);
    let hostPath: string;
    try {
      const r = await resolveInRoot(root, rel);
      if (!r.stat.isFile()) throw new InvalidArgument(`the Dockerfile (${candidate}) is not a regular file`);
      hostPath = r.hostPath;
    } catch (err) {
      if (err instanceof NotFound) continue;
      throw err;
    }
    const text = await fs.readFile(hostPath, 'utf8');
    if (text.length === 0) throw new InvalidArgument(`the Dockerfile (${candidate}) cannot be empty`);
    return { name: candidate, text };
  }
  throw new NotFound(`Cannot locate specified Dockerfile: ${name}`);
}

/** Removes ignored entries; an ignored directory survives only if `!` exceptions keep something in it. */
async function pruneIgnored(root: string, matcher: IgnoreMatcher, prefix = ''): Promise<boolean> {
  const dir = prefix ? path.join(root, prefix) : root;
  let kept = false;
  for (const name of await fs.readdir(dir)) {
    const rel = prefix ? `${prefix}/${name}` : name;
    const hostPath = path.join(dir, name);
    const st = await fs.lstat(hostPath);
    if (!matcher.ignores(rel)) {
      kept = true;
      if (st.isDirectory()) await pruneIgnored(root, matcher, rel);
      continue;
    }
    if (st.isDirectory() && matcher.hasExclusions && (await pruneIgnored(root, matcher, rel))) {
      kept = true;
      continue;
    }
    await fs.rm(hostPath, { recursive: true, force: true });
  }
  return kept;
}

export class BuildContext {
  readonly root: string;
  readonly dockerfileName: string;
  /** The Dockerfile's text. */
  readonly dockerfile: string;
  readonly ignorePatterns: string[];
  /** Tar entries that were not extracted (devices, FIFOs). */
  readonly skipped: string[];
  readonly compression: Compression;
  readonly hasher = new ContentHasher();
  private readonly workDir: string | undefined;
  private readonly filter: PathFilter | undefined;
  private disposed = false;

  private constructor(p: ContextParts) {
    this.workDir = p.workDir;
    this.root = p.root;
    this.dockerfileName = p.dockerfileName;
    this.dockerfile = p.dockerfile;
    this.ignorePatterns = p.ignorePatterns;
    this.filter = p.filter;
    this.skipped = p.skipped;
    this.compression = p.compression;
  }

  /** Reads a context tar stream (the body of POST /build). */
  static async fromTar(input: ByteSource, opts: OpenContextOptions = {}): Promise<BuildContext> {
    const workDir = await fs.mkdtemp(path.join(opts.tmpDir ?? os.tmpdir(), 'berth-build-'));
    try {
      await fs.chmod(workDir, 0o700);
      const root = path.join(workDir, 'context');
      await fs.mkdir(root, { mode: 0o755 });
      const { compression, stream } = await decompressStream(input);
      const { skipped } = await extractTar(readTar(stream), root, opts.limits);
      const df = await locateDockerfile(root, opts.dockerfile);
      const ignoreText = await readIfFile(path.join(root, '.dockerignore'));
      const ignorePatterns = ignoreText === undefined ? [] : readIgnoreFile(ignoreText);
      const matcher = new IgnoreMatcher(ignorePatterns);
      if (!matcher.empty) await pruneIgnored(root, matcher);
      return new BuildContext({
        workDir,
        root,
        dockerfileName: df.name,
        dockerfile: df.text,
        ignorePatterns,
        skipped,
        compression,
      });
    } catch (err) {
      await fs.rm(workDir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Uses a local directory as the context, as is (nothing is copied; .dockerignore filters lookups).
   * `dockerfileText` supplies a Dockerfile kept outside the context (`docker build -f`).
   */
  static async fromDirectory(
    dir: string,
    opts: Omit<OpenContextOptions, 'limits'> & { dockerfileText?: string } = {},
  ): Promise<BuildContext> {
    const root = path.resolve(dir);
    const df =
      opts.dockerfileText !== undefined
        ? { name: opts.dockerfile ?? DEFAULT_DOCKERFILE, text: opts.dockerfileText }
        : await locateDockerfile(root, opts.dockerfile);
    const ignoreText = await readIfFile(path.join(root, '.dockerignore'));
    const ignorePatterns = ignoreText === undefined ? [] : readIgnoreFile(ignoreText);
    const parts: ContextParts = {
      root,
      dockerfileName: df.name,
      dockerfile: df.text,
      ignorePatterns,
      skipped: [],
      compression: 'none',
    };
    const filter = matcherFilter(new IgnoreMatcher(ignorePatterns));
    if (filter) parts.filter = filter;
    if (opts.tmpDir) parts.workDir = await fs.mkdtemp(path.join(opts.tmpDir, 'berth-build-'));
    return new BuildContext(parts);
  }

  sourceRoot(): SourceRoot {
    const r: SourceRoot = { dir: this.root, label: 'build context' };
    if (this.filter) r.filter = this.filter;
    return r;
  }

  /** A private directory for downloads (ADD <url>), outside the context. */
  async scratchDir(): Promise<string> {
    if (!this.workDir) throw new InvalidArgument('this build context has no scratch directory (give tmpDir)');
    const dir = path.join(this.workDir, 'downloads');
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /** Removes the extracted context and downloads. Idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.workDir) await fs.rm(this.workDir, { recursive: true, force: true });
  }
}
