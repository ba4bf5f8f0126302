/** Bytes a directory takes on disk (`du -s -B1 -x`); 0 when it cannot be read. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function duBytes(dir: string): Promise<number> {
  try {
    const { stdout } = await run('du', ['-s', '-B1', '-x', dir]);
    return Number.parseInt(stdout.split(/\s/)[0] ?? '0', 10) || 0;
  } catch {
    return 0;
  }
}
