/**
 * `--chown=user[:group]` → numeric ids, resolved against the image's /etc/passwd and /etc/group
 * text (the executor reads them from the parent file system with scoped-path resolution). A
 * numeric user without a group uses the same number as gid; a user name without a group uses
 * its primary group, as BuildKit does. Unknown names are errors.
 */
import { InvalidArgument } from '../errdefs';

export interface Ids {
  uid: number;
  gid: number;
}

function table(text: string | undefined): string[][] {
  return (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

const numeric = (s: string): number | undefined => (/^\d+$/.test(s) ? Number.parseInt(s, 10) : undefined);

export function resolveChown(spec: string, passwd: string | undefined, group: string | undefined): Ids {
  const parts = spec.split(':');
  if (parts.length > 2 || parts[0] === '') throw new InvalidArgument(`invalid chown string format: ${spec}`);
  const [userPart, groupPart] = parts as [string, string | undefined];
  let uid = numeric(userPart);
  let gid = uid;
  if (uid === undefined) {
    const entry = table(passwd).find((f) => f[0] === userPart);
    const u = entry ? numeric(entry[2] ?? '') : undefined;
    if (!entry || u === undefined)
      throw new InvalidArgument(`can't find uid for user ${userPart}: no such user: ${userPart}`);
    uid = u;
    gid = numeric(entry[3] ?? '') ?? u;
  }
  if (groupPart !== undefined && groupPart !== '') {
    gid = numeric(groupPart);
    if (gid === undefined) {
      const entry = table(group).find((f) => f[0] === groupPart);
      gid = entry ? numeric(entry[2] ?? '') : undefined;
      if (gid === undefined)
        throw new InvalidArgument(`can't find gid for group ${groupPart}: no such group: ${groupPart}`);
    }
  }
  return { uid, gid: gid as number };
}
