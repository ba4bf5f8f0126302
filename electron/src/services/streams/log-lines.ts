/**
 * Turns demultiplexed log text into LogEntry lines: one entry per line, per stream, with the
 * engine's RFC 3339 timestamp split off when timestamps were asked for. A partial last line is
 * held until its newline arrives (or the stream ends).
 */
import type { LogEntry } from '../../contract/models/containers';
import type { StdStream } from './demux';

const TS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) ?/;

export class LogLineSplitter {
  private readonly partial: Record<StdStream, string> = { stdout: '', stderr: '' };

  constructor(private readonly timestamps: boolean) {}

  push(stream: StdStream, text: string): LogEntry[] {
    const lines = (this.partial[stream] + text).split('\n');
    this.partial[stream] = lines.pop() ?? '';
    return lines.map((l) => this.entry(stream, l));
  }

  flush(): LogEntry[] {
    const out: LogEntry[] = [];
    for (const s of ['stdout', 'stderr'] as const) {
      if (this.partial[s]) out.push(this.entry(s, this.partial[s]));
      this.partial[s] = '';
    }
    return out;
  }

  private entry(stream: StdStream, line: string): LogEntry {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (this.timestamps) {
      const m = TS.exec(text);
      if (m) return { stream, ts: m[1]!, text: text.slice(m[0].length) };
    }
    return { stream, text };
  }
}
