/**
 * Agent set-up on a host, under the install lock: make sure <root>/<version> holds this bundle,
 * intact (install or reinstall it otherwise), start or reuse the agent as root, and remove other
 * versions. A damaged install reported when starting leads to one forced reinstall.
 */
import { ConnectionFailure } from '../errors';
import type { ConnectionPrompter } from '../types';
import type { BundleTarget } from './bundle';
import type { HostFacts, ResolvedPlacement } from './facts';
import type { RemoteHost } from './host';
import { ensureInstalled, removeOldVersions } from './install';
import { InstallCorrupt, startAgent, type AgentReady } from './start';

export interface ProvisionOptions {
  host: RemoteHost;
  version: string;
  target: BundleTarget;
  placement: ResolvedPlacement;
  facts: HostFacts;
  username: string;
  hostName: string;
  prompter: ConnectionPrompter;
  commandTimeoutMs: number;
  lockWaitMs?: number;
  onPrompt?: (waiting: boolean) => void;
  progress?: (detail: string) => void;
}

export interface ProvisionResult extends AgentReady {
  /** True when the bundle was uploaded this time. */
  uploaded: boolean;
}

export async function provisionAgent(o: ProvisionOptions): Promise<ProvisionResult> {
  const { host, placement } = o;
  o.progress?.('waiting for the install lock');
  const release = await host.lock(placement.installRoot, o.lockWaitMs ?? 120_000);
  try {
    let uploaded = false;
    for (let attempt = 0; attempt < 2; attempt++) {
      o.progress?.('checking the Berth agent install');
      const state = await ensureInstalled(host, {
        root: placement.installRoot,
        version: o.version,
        target: o.target,
        force: attempt > 0,
        commandTimeoutMs: o.commandTimeoutMs,
        ...(o.progress ? { progress: o.progress } : {}),
      });
      uploaded ||= state === 'installed';
      o.progress?.('starting the Berth agent');
      try {
        const ready = await startAgent(host, {
          placement,
          uid: o.facts.uid,
          username: o.username,
          hostName: o.hostName,
          prompter: o.prompter,
          timeoutMs: o.commandTimeoutMs,
          ...(o.onPrompt ? { onPrompt: o.onPrompt } : {}),
        });
        await removeOldVersions(host, placement.installRoot, o.version, o.commandTimeoutMs);
        return { ...ready, uploaded };
      } catch (err) {
        if (err instanceof InstallCorrupt && attempt === 0) continue;
        if (err instanceof InstallCorrupt) {
          throw new ConnectionFailure(
            'InstallFailed',
            `the agent install on ${host.label} stays damaged after a reinstall: ${err.message}`,
          );
        }
        throw err;
      }
    }
    throw new ConnectionFailure('InstallFailed', `could not install the agent on ${host.label}`);
  } finally {
    await release();
  }
}
