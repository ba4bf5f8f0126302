/**
 * Removing images as dockerd does: by name it untags (and deletes the image when that was its
 * last name), by ID it deletes the image with all its names. Images used by containers are
 * refused unless forced (running containers: never); an image with child images is refused.
 * Parents left dangling are removed too unless `noprune`. Unreferenced layers and blobs are then
 * garbage collected; the answer is Docker's list of {Untagged} and {Deleted} items.
 */
import { Conflict, InvalidArgument } from '../errdefs';
import type { ContainerUse, ImageContext } from './context';
import { shortId, type Digest } from './digest';
import { labelMatches, parseUntil } from './filters';
import { collectGarbage } from './gc';
import { createdSeconds } from './image-config';
import type { ImageRecord } from './image-store';
import { imageKey } from './leases';
import { familiarString, repoName, type Reference } from './reference';

/** Filters as the API parsed them: key → values. */
export type Filters = Map<string, string[]>;

export interface DeleteItem {
  Untagged?: string;
  Deleted?: string;
}

function children(ctx: ImageContext, id: Digest): ImageRecord[] {
  return ctx.store.list().filter((r) => r.parent === id);
}

async function usersOf(ctx: ImageContext, id: Digest): Promise<ContainerUse[]> {
  const users = [...(await ctx.usage(id))];
  if (ctx.leases.has(imageKey(id))) users.push({ id: '(being created)', running: true });
  return users;
}

async function untag(ctx: ImageContext, ref: Reference, id: Digest, out: DeleteItem[]): Promise<void> {
  if (await ctx.store.deleteRef(ref)) {
    out.push({ Untagged: familiarString(ref) });
    ctx.events('untag', id, { name: familiarString(ref) });
  }
}

/** Delete an image record (names already gone) and, unless noprune, its dangling parents. */
async function deleteRecord(ctx: ImageContext, rec: ImageRecord, noprune: boolean, out: DeleteItem[]): Promise<void> {
  if (children(ctx, rec.id).length > 0) {
    throw new Conflict(
      `conflict: unable to delete ${shortId(rec.id)} (cannot be forced) - image has dependent child images`,
    );
  }
  for (const r of ctx.store.refsOf(rec.id)) await untag(ctx, r, rec.id, out);
  await ctx.store.delete(rec.id);
  out.push({ Deleted: rec.id });
  ctx.events('delete', rec.id, {});
  if (noprune || !rec.parent) return;
  const parent = ctx.store.get(rec.parent);
  if (!parent || ctx.store.refsOf(parent.id).length > 0 || children(ctx, parent.id).length > 0) return;
  if ((await usersOf(ctx, parent.id)).length > 0) return;
  await deleteRecord(ctx, parent, noprune, out);
}

async function collect(ctx: ImageContext, out: DeleteItem[]): Promise<number> {
  const gc = await collectGarbage(ctx);
  for (const l of gc.layers) out.push({ Deleted: l });
  return gc.reclaimed;
}

export async function removeImage(
  ctx: ImageContext,
  input: string,
  o: { force: boolean; noprune: boolean },
): Promise<DeleteItem[]> {
  const { record, byRef } = ctx.store.resolve(input);
  const out: DeleteItem[] = [];
  const users = await usersOf(ctx, record.id);
  const running = users.find((u) => u.running);
  const refs = ctx.store.refsOf(record.id);
  const sameRepoOnly = new Set(refs.map(repoName)).size <= 1;

  if (byRef) {
    const tags = refs.filter((r) => r.tag);
    const lastTag = byRef.digest ? tags.length === 0 : tags.length <= 1;
    if (lastTag && users.length > 0 && !o.force) {
      throw new Conflict(
        `conflict: unable to remove repository reference "${input}" (must force) - container ${shortId(users[0]!.id)} is using its referenced image ${shortId(record.id)}`,
      );
    }
    await untag(ctx, byRef, record.id, out);
    const left = ctx.store.refsOf(record.id);
    if (left.some((r) => r.tag)) return out;
    // The last tag went: its digest names go with it, then the image if nothing uses it.
    for (const r of left) await untag(ctx, r, record.id, out);
    if (users.length === 0 && !ctx.store.list().some((r) => r.parent === record.id)) {
      await deleteRecord(ctx, record, o.noprune, out);
    }
    await collect(ctx, out);
    return out;
  }

  if (running) {
    throw new Conflict(
      `conflict: unable to delete ${shortId(record.id)} (cannot be forced) - image is being used by running container ${shortId(running.id)}`,
    );
  }
  if (!o.force && !sameRepoOnly) {
    throw new Conflict(
      `conflict: unable to delete ${shortId(record.id)} (must be forced) - image is referenced in multiple repositories`,
    );
  }
  if (users.length > 0 && !o.force) {
    throw new Conflict(
      `conflict: unable to delete ${shortId(record.id)} (must be forced) - image is being used by stopped container ${shortId(users[0]!.id)}`,
    );
  }
  if (users.length > 0) {
    // Forced with stopped users: the names go, the image stays for its containers.
    for (const r of refs) await untag(ctx, r, record.id, out);
    return out;
  }
  await deleteRecord(ctx, record, o.noprune, out);
  await collect(ctx, out);
  return out;
}

export interface PruneResult {
  ImagesDeleted: DeleteItem[] | null;
  SpaceReclaimed: number;
}

/** Remove dangling images (all unused ones with dangling=false), oldest children first. */
export async function pruneImages(ctx: ImageContext, filters: Filters): Promise<PruneResult> {
  for (const k of filters.keys()) {
    if (!['dangling', 'until', 'label', 'label!'].includes(k)) throw new InvalidArgument(`invalid filter '${k}'`);
  }
  const dangling = filters.get('dangling')?.[0];
  if (dangling !== undefined && !['true', 'false', '1', '0'].includes(dangling)) {
    throw new InvalidArgument(`invalid filter 'dangling=${dangling}'`);
  }
  const danglingOnly = dangling === undefined || dangling === 'true' || dangling === '1';
  const until = filters.get('until')?.map((v) => parseUntil(v));
  const out: DeleteItem[] = [];
  let progress = true;
  // Repeat: deleting a child can make its parent prunable.
  while (progress) {
    progress = false;
    for (const rec of ctx.store.list()) {
      if (!ctx.store.get(rec.id)) continue;
      const refs = ctx.store.refsOf(rec.id);
      if (danglingOnly && refs.some((r) => r.tag)) continue;
      if (children(ctx, rec.id).length > 0) continue;
      if ((await usersOf(ctx, rec.id)).length > 0) continue;
      const config = await ctx.configOf(rec.id);
      if (until && until.some((t) => createdSeconds(config) * 1000 >= t)) continue;
      const labels = config.config?.Labels;
      if (filters.get('label')?.some((f) => !labelMatches(f, labels))) continue;
      if (filters.get('label!')?.some((f) => labelMatches(f, labels))) continue;
      await deleteRecord(ctx, rec, false, out);
      progress = true;
    }
  }
  const reclaimed = await collect(ctx, out);
  return { ImagesDeleted: out.length ? out : null, SpaceReclaimed: reclaimed };
}
