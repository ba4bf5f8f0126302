// Types for build/agent-bundle.mjs (used by tests and tools written in TypeScript).
export interface BundleArchiveInfo {
  role: 'runtime' | 'agent';
  file: string;
  sha256: string;
  size: number;
}
export interface BundleTargetInfo {
  arch: string;
  id: string;
  inputs: string;
  unameMachines: string[];
  manifest: string;
  archives: BundleArchiveInfo[];
  installedSize: number;
}
export interface BundleIndex {
  format: number;
  name: 'berth-agent';
  version: string;
  commit: string;
  node: string;
  targets: Record<string, BundleTargetInfo>;
}
export interface BuildAgentBundleOptions {
  root: string;
  dist: string;
  version: string;
  arches?: string[];
  agentDir?: string;
  outDir?: string;
  cacheDir?: string;
  nodeVersion?: string;
  log?: (message: string) => void;
}
export const SUPPORTED_ARCHES: string[];
export function buildAgentBundle(opts: BuildAgentBundleOptions): Promise<{ dir: string; bundle: BundleIndex }>;
