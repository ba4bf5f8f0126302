/**
 * The build history: records (duration, result, tags, cache use) persisted as one JSON file, and
 * each build's log in a file of its own (capped), so the history survives a restart. The newest
 * `keep` builds are kept.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { BuildRecord } from '../../contract/models/builds';
import type { BuildLogLine } from '../../contract/models/tasks';
import { ServiceError } from '../errors';

const MAX_LOG_LINES = 20_000;

export class BuildHistory {
  private records: BuildRecord[] = [];
  private readonly logs = new Map<string, BuildLogLine[]>();

  constructor(
    private readonly dir: string,
    private readonly keep = 50,
  ) {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as unknown;
      if (Array.isArray(parsed))
        this.records = parsed.filter((r): r is BuildRecord => !!r && typeof (r as BuildRecord).id === 'string');
      // A build that was running when the app stopped did not finish.
      for (const r of this.records) if (r.result === 'running') r.result = 'cancelled';
    } catch {
      /* no history yet */
    }
  }

  private get file(): string {
    return path.join(this.dir, 'builds.json');
  }

  private logFile(id: string): string {
    return path.join(this.dir, 'build-logs', `${id.replace(/[^A-Za-z0-9-]/g, '')}.json`);
  }

  list(hostId?: string): BuildRecord[] {
    return this.records.filter((r) => !hostId || r.hostId === hostId).map((r) => ({ ...r }));
  }

  add(r: BuildRecord): void {
    this.records.unshift(r);
    this.logs.set(r.id, []);
    const dropped = this.records.splice(this.keep);
    for (const d of dropped) this.forget(d.id);
    this.save();
  }

  update(id: string, patch: Partial<BuildRecord>): BuildRecord {
    const r = this.records.find((x) => x.id === id);
    if (!r) throw new ServiceError('NotFound', `no build with id "${id}"`);
    Object.assign(r, patch);
    if (r.result !== 'running') {
      this.save();
      this.saveLog(id);
    }
    return { ...r };
  }

  appendLog(id: string, lines: BuildLogLine[]): void {
    const log = this.logs.get(id);
    if (!log) return;
    log.push(...lines);
    if (log.length > MAX_LOG_LINES) log.splice(0, log.length - MAX_LOG_LINES);
  }

  log(id: string): BuildLogLine[] {
    if (!this.records.some((r) => r.id === id))
      throw new ServiceError('NotFound', `no build with id "${id}"`, { field: ['buildId'] });
    const mem = this.logs.get(id);
    if (mem) return [...mem];
    try {
      return JSON.parse(fs.readFileSync(this.logFile(id), 'utf8')) as BuildLogLine[];
    } catch {
      return [];
    }
  }

  clear(hostId?: string): void {
    const [gone, kept] = [
      this.records.filter((r) => (!hostId || r.hostId === hostId) && r.result !== 'running'),
      [] as BuildRecord[],
    ];
    for (const r of this.records) if (!gone.includes(r)) kept.push(r);
    this.records = kept;
    for (const r of gone) this.forget(r.id);
    this.save();
  }

  private forget(id: string): void {
    this.logs.delete(id);
    fs.rmSync(this.logFile(id), { force: true });
  }

  private save(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.records), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  private saveLog(id: string): void {
    const log = this.logs.get(id);
    if (!log) return;
    fs.mkdirSync(path.dirname(this.logFile(id)), { recursive: true, mode: 0o700 });
    fs.writeFileSync(this.logFile(id), JSON.stringify(log), { mode: 0o600 });
    this.logs.delete(id);
  }
}
