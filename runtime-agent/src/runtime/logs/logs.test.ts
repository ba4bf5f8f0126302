import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogPump, ioPaths } from './pump';
import { readLogs } from './reader';

async function collect(it: AsyncIterable<{ log: string; stream: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of it) out.push(`${e.stream}:${e.log}`);
  return out;
}

describe('json-file logs from raw output files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-logs-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('turns raw stdout/stderr into json-file lines and resumes from saved offsets without duplicates', async () => {
    const raw = LogPump.openRawForContainer(dir);
    fs.writeSync(raw.stdout, 'one\ntwo\npart');
    fs.writeSync(raw.stderr, 'err1\n');
    let pump = new LogPump(dir);
    pump.openRaw();
    await pump.drain();
    await pump.close();
    const p = ioPaths(dir);
    const lines = fs
      .readFileSync(p.json, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    expect(lines.map((l) => l.log)).toEqual(['one\n', 'two\n', 'err1\n']);
    expect(lines[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    // Written while no agent was reading: picked up by the next pump, the partial line completed.
    fs.writeSync(raw.stdout, 'ial\nthree\n');
    // An agent killed after appending but before saving offsets: the extra bytes are cut away.
    fs.appendFileSync(p.json, '{"log":"dup\\n","stream":"stdout","time":"x"}\n');
    pump = new LogPump(dir);
    pump.openRaw();
    await pump.drain(true);
    await pump.close();
    expect(await collect(readLogs(p.json, undefined, {}))).toEqual([
      'stdout:one\n',
      'stdout:two\n',
      'stderr:err1\n',
      'stdout:partial\n',
      'stdout:three\n',
    ]);
    fs.closeSync(raw.stdout);
    fs.closeSync(raw.stderr);
  });

  it('splits lines longer than 16 KiB and writes a last line without newline at the end', async () => {
    const raw = LogPump.openRawForContainer(dir);
    fs.writeSync(raw.stdout, 'x'.repeat(20000) + '\nlast');
    const pump = new LogPump(dir);
    pump.openRaw();
    await pump.drain(true);
    await pump.close();
    const logs = await collect(readLogs(ioPaths(dir).json, undefined, {}));
    expect(logs.map((l) => l.length)).toEqual([7 + 16384, 7 + 20000 - 16384 + 1, 7 + 4]);
    expect(logs[2]).toBe('stdout:last');
    fs.closeSync(raw.stdout);
    fs.closeSync(raw.stderr);
  });

  it('reads 100k lines with tail, since/until, stream filters, and follows live entries', async () => {
    const p = ioPaths(dir);
    const base = Date.parse('2024-01-01T00:00:00Z');
    let text = '';
    for (let i = 0; i < 100_000; i++) {
      const t = new Date(base + i * 1000).toISOString().replace('Z', '000000Z');
      text += JSON.stringify({ log: `line ${i}\n`, stream: i % 10 === 0 ? 'stderr' : 'stdout', time: t }) + '\n';
    }
    fs.writeFileSync(p.json, text);
    fs.writeFileSync(p.offsets, JSON.stringify({ stdout: 0, stderr: 0, json: Buffer.byteLength(text) }));
    const all = await collect(readLogs(p.json, undefined, {}));
    expect(all).toHaveLength(100_000);
    expect(await collect(readLogs(p.json, undefined, { tail: 2 }))).toEqual([
      'stdout:line 99998\n',
      'stdout:line 99999\n',
    ]);
    expect(await collect(readLogs(p.json, undefined, { tail: 0 }))).toEqual([]);
    expect(await collect(readLogs(p.json, undefined, { tail: 1, stdout: false }))).toEqual(['stderr:line 99990\n']);
    const since = base / 1000 + 99_997;
    expect(await collect(readLogs(p.json, undefined, { since }))).toHaveLength(3);
    expect(await collect(readLogs(p.json, undefined, { until: base / 1000 + 2 }))).toEqual([
      'stderr:line 0\n',
      'stdout:line 1\n',
    ]);

    const pump = new LogPump(dir);
    const followed: string[] = [];
    const reading = (async () => {
      for await (const e of readLogs(p.json, pump, { follow: true, tail: 1 })) followed.push(e.log);
    })();
    await new Promise((r) => setTimeout(r, 50));
    pump.feed('stdout', Buffer.from('live 1\nlive 2\n'));
    await pump.close();
    await reading;
    expect(followed).toEqual(['line 99999\n', 'live 1\n', 'live 2\n']);
  });

  it('stops following when the reader aborts', async () => {
    const pump = new LogPump(dir);
    const ac = new AbortController();
    const got: string[] = [];
    const reading = (async () => {
      for await (const e of readLogs(ioPaths(dir).json, pump, { follow: true, signal: ac.signal })) got.push(e.log);
    })();
    pump.feed('stderr', Buffer.from('a\n'));
    await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    await reading;
    expect(got).toEqual(['a\n']);
    expect(pump.listenerCount('entry')).toBe(0);
    await pump.close();
  });
});
