/**
 * The app's persisted settings: the hosts the user added and the engine settings. One JSON file,
 * written atomically (temp file + rename, mode 0600). It never holds a secret: every host config
 * passes the strict host schema, which has no field for one (passwords and passphrases are asked
 * for in the UI each time). Entries that fail validation on load are dropped with a warning.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { EngineSettings } from '../../contract/models/engine';
import type { HostSpec } from '../../contract/models/hosts';
import { engineSettings, hostSpec } from '../rpc/schemas/hosts';

export interface StoredHost {
  id: string;
  spec: HostSpec;
}

interface ConfigFile {
  version: 1;
  hosts: StoredHost[];
  engine: EngineSettings;
}

const storedHost = z.strictObject({ id: z.string().min(1).max(200), spec: hostSpec });

export class ConfigStore {
  private data: ConfigFile = { version: 1, hosts: [], engine: {} };
  readonly warnings: string[] = [];

  constructor(readonly file: string) {
    this.load();
  }

  private load(): void {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.warnings.push(`cannot read ${this.file}: ${(err as Error).message}`);
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      this.warnings.push(`${this.file} is not valid JSON; starting with no saved hosts`);
      return;
    }
    const obj = (raw && typeof raw === 'object' ? raw : {}) as { hosts?: unknown; engine?: unknown };
    for (const h of Array.isArray(obj.hosts) ? obj.hosts : []) {
      const parsed = storedHost.safeParse(h);
      if (parsed.success) this.data.hosts.push(parsed.data);
      else this.warnings.push(`dropped an invalid saved host: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    }
    const eng = engineSettings.safeParse(obj.engine ?? {});
    if (eng.success) this.data.engine = eng.data;
    else this.warnings.push('dropped invalid engine settings');
  }

  get hosts(): readonly StoredHost[] {
    return this.data.hosts;
  }

  get engine(): EngineSettings {
    return { ...this.data.engine };
  }

  setHosts(hosts: StoredHost[]): void {
    this.data.hosts = hosts.map((h) => storedHost.parse(h));
    this.save();
  }

  setEngine(settings: EngineSettings): void {
    this.data.engine = engineSettings.parse(settings);
    this.save();
  }

  private save(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
