/**
 * The agent bundle as the app ships it (build/agent-bundle.mjs): bundle.json with, per arch, the
 * bundle id and two tarballs (Node runtime, agent) with their sha256 and sizes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConnectionFailure } from '../errors';

export interface BundleArchive {
  role: 'runtime' | 'agent';
  /** Absolute path of the tarball. */
  path: string;
  name: string;
  sha256: string;
  size: number;
}

export interface BundleTarget {
  arch: string;
  id: string;
  unameMachines: string[];
  archives: BundleArchive[];
  /** Bytes once unpacked. */
  installedSize: number;
}

interface BundleJson {
  format: number;
  version: string;
  commit?: string;
  targets: Record<
    string,
    {
      arch: string;
      id: string;
      unameMachines: string[];
      archives: Array<{ role: 'runtime' | 'agent'; file: string; sha256: string; size: number }>;
      installedSize: number;
    }
  >;
}

export class AgentBundle {
  private constructor(
    readonly dir: string,
    readonly version: string,
    readonly commit: string,
    private readonly targets: Map<string, BundleTarget>,
  ) {}

  /** Reads <dir>/bundle.json (dir: dist/agent-bundle/<version>, or the app's resources). */
  static load(dir: string): AgentBundle {
    const file = path.join(dir, 'bundle.json');
    let json: BundleJson;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8')) as BundleJson;
    } catch (err) {
      throw new ConnectionFailure(
        'InvalidConfig',
        `the agent bundle is missing or unreadable (${file}): ${(err as Error).message}; run npm run build:agent`,
      );
    }
    if (json.format !== 1 || typeof json.version !== 'string' || typeof json.targets !== 'object') {
      throw new ConnectionFailure('InvalidConfig', `${file} is not an agent bundle index this app understands`);
    }
    const targets = new Map<string, BundleTarget>();
    for (const [arch, t] of Object.entries(json.targets)) {
      targets.set(arch, {
        arch,
        id: t.id,
        unameMachines: t.unameMachines,
        installedSize: t.installedSize,
        archives: t.archives.map((a) => ({
          role: a.role,
          path: path.join(dir, a.file),
          name: path.basename(a.file),
          sha256: a.sha256,
          size: a.size,
        })),
      });
    }
    return new AgentBundle(dir, json.version, json.commit ?? 'unknown', targets);
  }

  arches(): string[] {
    return [...this.targets.keys()];
  }

  /** The target for a `uname -m` answer; InstallFailed when the bundle has none. */
  targetForMachine(machine: string): BundleTarget {
    for (const t of this.targets.values()) if (t.unameMachines.includes(machine)) return t;
    throw new ConnectionFailure(
      'InstallFailed',
      `the host's CPU (${machine}) is not supported: the agent bundle has ${this.arches().join(', ') || 'no targets'}`,
    );
  }

  targetForArch(arch: string): BundleTarget | undefined {
    return this.targets.get(arch);
  }

  /** Checks the tarballs exist with the recorded sizes (a broken app install fails early and clearly). */
  checkFiles(target: BundleTarget): void {
    for (const a of target.archives) {
      let size = -1;
      try {
        size = fs.statSync(a.path).size;
      } catch {
        /* reported below */
      }
      if (size !== a.size) {
        throw new ConnectionFailure(
          'InvalidConfig',
          `the agent bundle file ${a.path} is missing or damaged; reinstall the app`,
        );
      }
    }
  }
}
