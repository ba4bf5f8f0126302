/** Key/value rows → a record (empty keys dropped); errors keyed "<prefix>.<index>" for duplicate keys. */
export function rowsToRecord(rows: Array<{ key: string; value: string }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows) if (r.key.trim()) out[r.key.trim()] = r.value;
  return out;
}
