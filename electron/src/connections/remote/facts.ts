/**
 * What the app needs to know about a host before anything else, in one round trip: CPU
 * (`uname -m`), who we are (uid, gid, home), where the agent is installed and which bundle is
 * there, and which bundle serves the agent socket (its sidecar file).
 */
import { ConnectionFailure } from '../errors';
import type { AgentPlacement } from '../types';
import { script, type RemoteHost } from './host';

export interface HostFacts {
  machine: string;
  uid: number;
  gid: number;
  home: string;
  /** Install root (config, else /opt/berth for root, ~/.berth-server for a user). */
  installRoot: string;
  /** BUNDLE-ID of <installRoot>/<version>, or "" when there is none. */
  installedId: string;
  /** The sidecar of the agent socket: which bundle started the agent serving it. */
  sidecar: { bundleId: string; version: string; pid: number } | undefined;
}

export interface ResolvedPlacement {
  installRoot: string;
  /** <installRoot>/<version> */
  installDir: string;
  socketPath: string;
  dataRoot: string;
  execRoot: string;
  logFile: string | undefined;
}

export const DEFAULT_SOCKET = '/run/berth/berth.sock';
export const DEFAULT_DATA_ROOT = '/var/lib/berth';
export const DEFAULT_EXEC_ROOT = '/run/berth';

const FACTS_SCRIPT = script(
  'r=$1',
  'u=$(id -u)',
  'h=${HOME:-/}',
  'if [ -z "$r" ]; then if [ "$u" = 0 ]; then r=/opt/berth; else r="$h/.berth-server"; fi; fi',
  `printf 'arch=%s\\nuid=%s\\ngid=%s\\nhome=%s\\nroot=%s\\n' "$(uname -m)" "$u" "$(id -g)" "$h" "$r"`,
  `printf 'installed='`,
  `head -c 100 "$r/$2/BUNDLE-ID" 2>/dev/null | tr -d '\\n'`,
  'echo',
  `printf 'sidecar='`,
  `head -c 4096 "$3.agent.json" 2>/dev/null | tr -d '\\n'`,
  'echo',
);

export function parseFacts(stdout: string): HostFacts {
  const kv = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const uid = Number(kv.get('uid'));
  const gid = Number(kv.get('gid'));
  const machine = kv.get('arch') ?? '';
  if (!machine || !Number.isInteger(uid) || !Number.isInteger(gid) || !kv.get('root')) {
    throw new ConnectionFailure('InstallFailed', `unexpected answer from the host: ${stdout.slice(0, 200)}`);
  }
  let sidecar: HostFacts['sidecar'];
  try {
    const s = JSON.parse(kv.get('sidecar') || 'null') as {
      bundleId?: unknown;
      version?: unknown;
      pid?: unknown;
    } | null;
    if (s && typeof s.bundleId === 'string' && typeof s.version === 'string' && typeof s.pid === 'number') {
      sidecar = { bundleId: s.bundleId, version: s.version, pid: s.pid };
    }
  } catch {
    /* absent or damaged: no sidecar */
  }
  return {
    machine,
    uid,
    gid,
    home: kv.get('home') ?? '/',
    installRoot: kv.get('root')!,
    installedId: kv.get('installed') ?? '',
    sidecar,
  };
}

export async function probeFacts(
  host: RemoteHost,
  opts: { installRoot: string | undefined; version: string; socketPath: string; timeoutMs: number },
): Promise<HostFacts> {
  const r = await host.run(FACTS_SCRIPT, [opts.installRoot ?? '', opts.version, opts.socketPath], {
    timeoutMs: opts.timeoutMs,
  });
  if (r.code !== 0) {
    throw new ConnectionFailure(
      'InstallFailed',
      `cannot inspect ${host.label} (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(0, 300)}`,
    );
  }
  return parseFacts(r.stdout);
}

export function resolvePlacement(
  p: AgentPlacement | undefined,
  installRoot: string,
  version: string,
): ResolvedPlacement {
  return {
    installRoot,
    installDir: `${installRoot.replace(/\/+$/, '')}/${version}`,
    socketPath: p?.socketPath ?? DEFAULT_SOCKET,
    dataRoot: p?.dataRoot ?? DEFAULT_DATA_ROOT,
    execRoot: p?.execRoot ?? DEFAULT_EXEC_ROOT,
    logFile: p?.logFile,
  };
}
