/** GET /distribution/{name}/json: the registry's descriptor of a reference and its platforms. */
import { credentialsFor, type Credentials } from './auth';
import type { ImageContext } from './context';
import { configPlatform, parseImageConfig } from './image-config';
import { MAX_CONFIG_BYTES, isIndexType, parseIndex, parseManifest, type Platform } from './manifest';
import { parseNormalized } from './reference';

export async function distributionInspect(
  ctx: ImageContext,
  name: string,
  creds: Credentials | undefined,
): Promise<Record<string, unknown>> {
  const ref = parseNormalized(name);
  const repo = ctx.registry.repository(ref, credentialsFor(ref.domain, creds, ctx.authFile));
  const top = await repo.getManifest(ref.digest ?? ref.tag ?? 'latest');
  let platforms: Platform[];
  if (isIndexType(top.mediaType)) {
    platforms = parseIndex(top.data, top.mediaType)
      .manifests.filter((m) => m.platform && m.platform.os !== 'unknown')
      .map((m) => m.platform!);
  } else {
    const m = parseManifest(top.data, top.mediaType);
    platforms = [configPlatform(parseImageConfig(await repo.fetchSmallBlob(m.config.digest, MAX_CONFIG_BYTES)))];
  }
  return {
    Descriptor: { mediaType: top.mediaType, digest: top.digest, size: top.data.length },
    Platforms: platforms,
  };
}
