/** Log search: which lines match, and a line split into plain and highlighted parts. */
import type { LogEntry } from '@contract';

export function findMatches(lines: LogEntry[], query: string): number[] {
  const q = query.toLowerCase();
  if (!q) return [];
  const out: number[] = [];
  for (let i = 0; i < lines.length; i++) if (lines[i]!.text.toLowerCase().includes(q)) out.push(i);
  return out;
}

export function highlight(text: string, query: string): Array<{ text: string; mark: boolean }> {
  if (!query) return [{ text, mark: false }];
  const lower = text.toLowerCase();
  const q = query.toLowerCase();
  const parts: Array<{ text: string; mark: boolean }> = [];
  let at = 0;
  for (let i = lower.indexOf(q); i >= 0; i = lower.indexOf(q, i + q.length)) {
    if (i > at) parts.push({ text: text.slice(at, i), mark: false });
    parts.push({ text: text.slice(i, i + q.length), mark: true });
    at = i + q.length;
  }
  if (at < text.length) parts.push({ text: text.slice(at), mark: false });
  return parts;
}

/** "2026-11-29T21:02:06.123456789Z" → "2026-11-29 21:02:06.123" (local display stays compact). */
export function shortTs(ts: string | undefined): string {
  if (!ts) return '';
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d{1,3})?/.exec(ts);
  return m ? `${m[1]} ${m[2]}${m[3] ?? ''}` : ts;
}
