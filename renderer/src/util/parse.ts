/** Parsing what users type: sizes ("512m"), durations ("30s"), command lines, env files. */

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** "512m", "1.5g", "1048576", "64 MiB" → bytes; undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!;
  return Number.isFinite(n) ? Math.round(n) : undefined;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "30s", "1m30s", "500ms", "2" (seconds) → milliseconds; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (!s) return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    end = re.lastIndex;
  }
  return end === s.length && end > 0 ? Math.round(total) : undefined;
}

/**
 * Splits a command line the way a POSIX shell splits words (quotes and backslashes, no
 * expansion): `sh -c "echo hi; sleep 1"` → ['sh', '-c', 'echo hi; sleep 1']. Throws on an open quote.
 */
export function splitCommand(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new Error('unterminated quote');
  if (inWord) out.push(cur);
  return out;
}

/** An env file (`docker run --env-file`): NAME=value lines, # comments, blank lines. */
export function parseEnvFile(text: string): { vars: Array<{ name: string; value: string }>; badLines: number[] } {
  const vars: Array<{ name: string; value: string }> = [];
  const badLines: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const name = (eq < 0 ? line : line.slice(0, eq)).replace(/^export\s+/, '').trim();
    if (!name || /\s/.test(name)) {
      badLines.push(i + 1);
      return;
    }
    vars.push({ name, value: eq < 0 ? '' : line.slice(eq + 1) });
  });
  return { vars, badLines };
}
