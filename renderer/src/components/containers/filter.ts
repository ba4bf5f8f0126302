/** Filtering, sorting and grouping of the containers table (pure: the store's rows in, rows out). */
import type { ContainerStateName, ContainerSummary } from '@contract';

export type StateFilter = 'all' | ContainerStateName;
export type SortKey = 'name' | 'image' | 'state' | 'created';
export interface SortSpec {
  key: SortKey;
  dir: 1 | -1;
}

/** Lower-cased text a row is searched in, cached per row object (rows are immutable). */
const haystacks = new WeakMap<ContainerSummary, string>();
function haystack(c: ContainerSummary): string {
  let h = haystacks.get(c);
  if (h === undefined) {
    const ports = c.ports.map((p) => `${p.publicPort ?? ''}:${p.privatePort}/${p.protocol}`).join(' ');
    const labels = Object.entries(c.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    h =
      `${c.name} ${c.image} ${c.id.slice(0, 12)} ${c.status} ${c.composeProject ?? ''} ${ports} ${labels}`.toLowerCase();
    haystacks.set(c, h);
  }
  return h;
}

export function filterContainers(rows: ContainerSummary[], query: string, state: StateFilter): ContainerSummary[] {
  const terms = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (!terms.length && state === 'all') return rows;
  return rows.filter((c) => (state === 'all' || c.state === state) && terms.every((w) => haystack(c).includes(w)));
}

const STATE_ORDER: Record<ContainerStateName, number> = {
  running: 0,
  restarting: 1,
  paused: 2,
  created: 3,
  removing: 4,
  exited: 5,
  dead: 6,
};

export function sortContainers(rows: ContainerSummary[], s: SortSpec): ContainerSummary[] {
  const cmp = (a: ContainerSummary, b: ContainerSummary): number => {
    switch (s.key) {
      case 'name':
        return a.name.localeCompare(b.name);
      case 'image':
        return a.image.localeCompare(b.image) || a.name.localeCompare(b.name);
      case 'state':
        return STATE_ORDER[a.state] - STATE_ORDER[b.state] || a.name.localeCompare(b.name);
      case 'created':
        return a.created - b.created || a.name.localeCompare(b.name);
    }
  };
  return [...rows].sort((a, b) => s.dir * cmp(a, b));
}

export type ListItem =
  | { kind: 'group'; key: string; project: string | undefined; count: number; running: number; collapsed: boolean }
  | { kind: 'row'; key: string; c: ContainerSummary; grouped: boolean };

/** Rows, or group headers each followed by its rows (standalone containers last). */
export function groupContainers(rows: ContainerSummary[], group: boolean, collapsed: Set<string>): ListItem[] {
  if (!group) return rows.map((c) => ({ kind: 'row', key: c.id, c, grouped: false }));
  const groups = new Map<string, ContainerSummary[]>();
  for (const c of rows) {
    const k = c.composeProject ?? '';
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(c);
  }
  const keys = [...groups.keys()].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)));
  const out: ListItem[] = [];
  for (const k of keys) {
    const members = groups.get(k)!;
    const isCollapsed = collapsed.has(k);
    out.push({
      kind: 'group',
      key: `group:${k}`,
      project: k || undefined,
      count: members.length,
      running: members.filter((c) => c.state === 'running').length,
      collapsed: isCollapsed,
    });
    if (!isCollapsed) for (const c of members) out.push({ kind: 'row', key: c.id, c, grouped: true });
  }
  return out;
}
