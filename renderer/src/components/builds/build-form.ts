/** The build form's checks and the request it makes (context chosen separately). */
import type { BuildRequest } from '@contract';
import { t } from '@/i18n';
import { rowsToRecord } from '@/util/kv';

export interface BuildForm {
  dockerfile: string;
  tags: string;
  target: string;
  noCache: boolean;
  pull: boolean;
  args: Array<{ key: string; value: string }>;
}

const TAG_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?$/;

export function toBuildOptions(f: BuildForm): {
  value?: Omit<BuildRequest, 'hostId' | 'context'>;
  errors: Record<string, string>;
} {
  const errors: Record<string, string> = {};
  const tags = f.tags
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = tags.find((x) => !TAG_RE.test(x));
  if (bad) errors.tags = `${t('errors.imageRef')}: ${bad}`;
  if (!f.dockerfile.trim()) errors.dockerfile = t('errors.required');
  else if (f.dockerfile.trim().startsWith('/') || f.dockerfile.includes('..')) errors.dockerfile = t('errors.required');
  f.args.forEach((a, i) => {
    if (a.value && !a.key.trim()) errors[`buildArgs.${i}`] = t('errors.required');
  });
  if (f.target.trim() && !/^[\w.-]+$/.test(f.target.trim())) errors.target = t('errors.containerName');
  if (Object.keys(errors).length) return { errors };
  return {
    value: {
      dockerfile: f.dockerfile.trim(),
      tags,
      buildArgs: rowsToRecord(f.args),
      ...(f.target.trim() ? { target: f.target.trim() } : {}),
      noCache: f.noCache,
      pull: f.pull,
    },
    errors,
  };
}

/** A folder picked in the browser (webkitdirectory): its files relative to the folder. */
export async function readFolder(
  files: FileList | File[],
): Promise<{ name: string; files: Array<{ path: string; data: ArrayBuffer }> }> {
  const list = [...files];
  const first = list[0] as (File & { webkitRelativePath?: string }) | undefined;
  const root = first?.webkitRelativePath?.split('/')[0] ?? 'context';
  const out = await Promise.all(
    list.map(async (f) => {
      const rel = (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
      const path = rel.startsWith(`${root}/`) ? rel.slice(root.length + 1) : rel;
      return { path, data: await f.arrayBuffer() };
    }),
  );
  return { name: root, files: out };
}
