/** Ask an engine who it is (/_ping then /version) and classify it: berthd, Docker or Podman. */
import type Dockerode from 'dockerode';
import type { Dial } from './transport/channel-agent';
import { httpGet } from './transport/http-probe';
import type { EngineIdentity } from './types';

export interface VersionBody {
  Version?: string;
  GitCommit?: string;
  ApiVersion?: string;
  Os?: string;
  Arch?: string;
  Platform?: { Name?: string };
  Components?: Array<{ Name?: string }>;
}

export function classifyVersion(v: VersionBody): EngineIdentity {
  const platform = v.Platform?.Name ?? '';
  const components = (v.Components ?? []).map((c) => c.Name ?? '').join(' ');
  const flavour: EngineIdentity['flavour'] = /berth/i.test(platform)
    ? 'berth'
    : /podman/i.test(platform + ' ' + components)
      ? 'podman'
      : /docker|engine/i.test(platform + ' ' + components)
        ? 'docker'
        : 'unknown';
  return { flavour, version: v.Version ?? '', apiVersion: v.ApiVersion ?? '', os: v.Os ?? '', arch: v.Arch ?? '' };
}

export async function identify(docker: Dockerode, signal?: AbortSignal): Promise<EngineIdentity> {
  signal?.throwIfAborted();
  await docker.ping();
  signal?.throwIfAborted();
  return classifyVersion((await docker.version()) as VersionBody);
}

/** GET /version over one freshly dialed stream; undefined when no engine answers. */
export async function identifyOver(dial: Dial, timeoutMs: number): Promise<EngineIdentity | undefined> {
  try {
    const r = await httpGet(dial, '/version', timeoutMs);
    if (r.status !== 200) return undefined;
    return classifyVersion(JSON.parse(r.body) as VersionBody);
  } catch {
    return undefined;
  }
}

export interface AgentVersion {
  engine: EngineIdentity;
  body: VersionBody;
}

/** /version over one dialed stream, raw and classified; undefined when no engine answers. */
export async function agentVersionOver(dial: Dial, timeoutMs: number): Promise<AgentVersion | undefined> {
  try {
    const r = await httpGet(dial, '/version', timeoutMs);
    if (r.status !== 200) return undefined;
    const body = JSON.parse(r.body) as VersionBody;
    return { engine: classifyVersion(body), body };
  } catch {
    return undefined;
  }
}

/** Is this the agent of that bundle (same version and build commit)? */
export function isBundleAgent(
  found: { engine: EngineIdentity; body: VersionBody },
  bundle: { version: string; commit: string },
): boolean {
  return (
    found.engine.flavour === 'berth' && found.body.Version === bundle.version && found.body.GitCommit === bundle.commit
  );
}
