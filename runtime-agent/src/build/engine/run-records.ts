/**
 * The builder's own record of the RUN containers it made for builds that remove them (`rm`): one
 * empty file per container ID under <data-root>/build/runs, written right after the container is
 * created and removed with it. At agent start, what is still recorded belongs to a build whose
 * agent died and is removed. A record, not a label: image labels are merged into container labels,
 * so any image could carry a label that marks ordinary containers.
 */
import fs from 'node:fs';
import path from 'node:path';

const ID = /^[0-9a-f]{64}$/;

export class RunRecords {
  constructor(private readonly dir: string) {}

  init(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  async add(id: string): Promise<void> {
    if (!ID.test(id)) return;
    const p = path.join(this.dir, id);
    const fh = await fs.promises.open(p, 'w', 0o600);
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  async delete(id: string): Promise<void> {
    if (!ID.test(id)) return;
    await fs.promises.rm(path.join(this.dir, id), { force: true });
  }

  /** The recorded container IDs. */
  list(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.filter((n) => ID.test(n));
  }
}
