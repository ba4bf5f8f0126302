/**
 * Docker's user resolution (runc's GetExecUser): "name", "uid", "name:group", "uid:gid" against the
 * image's /etc/passwd and /etc/group, read inside the container after pivot_root.
 */

export interface ExecUser {
  uid: number;
  gid: number;
  /** Supplementary groups. */
  groups: number[];
  home: string;
}

export class UserError extends Error {}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}
interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MAX_ID = 0x7fffffff;

function parseId(s: string): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n <= MAX_ID ? n : undefined;
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    const uid = parseId(f[2] ?? '');
    const gid = parseId(f[3] ?? '');
    if (f.length < 4 || uid === undefined || gid === undefined) continue;
    out.push({ name: f[0]!, uid, gid, home: f[5] ?? '' });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    const gid = parseId(f[2] ?? '');
    if (f.length < 3 || gid === undefined) continue;
    out.push({ name: f[0]!, gid, members: (f[3] ?? '').split(',').filter(Boolean) });
  }
  return out;
}

/**
 * Resolve `spec` ("" means root). passwd/group are the files' contents, or undefined when the
 * image has none (then only numeric ids work).
 */
export function resolveUser(
  spec: string,
  passwd: string | undefined,
  group: string | undefined,
  groupAdd: string[] = [],
): ExecUser {
  const [userPart = '', groupPart] = spec.split(':', 2) as [string, string | undefined];
  const users = passwd === undefined ? [] : parsePasswd(passwd);
  const groups = group === undefined ? [] : parseGroup(group);
  const u = userPart === '' ? '0' : userPart;
  const uidNum = parseId(u);
  const entry = users.find((e) => (uidNum !== undefined ? e.uid === uidNum : e.name === u));
  if (!entry && uidNum === undefined) {
    throw new UserError(`unable to find user ${u}: no matching entries in passwd file`);
  }
  const out: ExecUser = {
    uid: entry?.uid ?? uidNum!,
    gid: entry?.gid ?? 0,
    groups: [],
    home: entry?.home || '/',
  };
  const findGroup = (g: string): number => {
    const n = parseId(g);
    if (n !== undefined) return n;
    const ge = groups.find((x) => x.name === g);
    if (!ge) throw new UserError(`unable to find group ${g}: no matching entries in group file`);
    return ge.gid;
  };
  if (groupPart !== undefined && groupPart !== '') {
    out.gid = findGroup(groupPart);
  } else if (entry) {
    // Supplementary groups only when the group was not given explicitly (as runc).
    out.groups = groups.filter((g) => g.members.includes(entry.name)).map((g) => g.gid);
  }
  for (const g of groupAdd) out.groups.push(findGroup(g));
  out.groups = [...new Set(out.groups)];
  return out;
}
