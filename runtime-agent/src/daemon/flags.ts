/**
 * berthd's command line, shaped like dockerd's: -H/--host (repeatable), --data-root, --exec-root,
 * --group, --insecure-registry (repeatable), --log-level, --help, --version.
 */
import { InvalidArgument } from '../errdefs';
import { isLogLevel, type LogLevel } from './logger';

export interface DaemonFlags {
  hosts: string[];
  dataRoot: string;
  execRoot: string;
  group: string | undefined;
  insecureRegistries: string[];
  /** docker-style config.json whose `auths` hold registry credentials. */
  registryAuthFile: string;
  logLevel: LogLevel;
  bridgeSubnet: string | undefined;
  bridgeName: string | undefined;
  networkPrefix: string | undefined;
  mtu: number;
  ipForward: boolean;
  firewallBackend: string;
  /** cgroup parent of the containers, relative to each hierarchy root. */
  cgroupParent: string;
  /** Container inits kept pre-started (0 = none). */
  initPool: number;
  help: boolean;
  version: boolean;
}

export const DEFAULT_SOCKET = 'unix:///run/berth/berth.sock';
export const DEFAULT_DATA_ROOT = '/var/lib/berth';
export const DEFAULT_EXEC_ROOT = '/run/berth';
export const DEFAULT_REGISTRY_AUTH_FILE = '/root/.docker/config.json';

export const USAGE = `Usage: berthd [OPTIONS]
       berthd dial-stdio [-H unix://PATH]

Berth container engine: runs containers and serves the Docker Engine API.

Options:
  -H, --host list                 Daemon socket(s) to listen on (default ${DEFAULT_SOCKET})
      --data-root string          Root directory of persistent state (default "${DEFAULT_DATA_ROOT}")
      --exec-root string          Root directory for execution state (default "${DEFAULT_EXEC_ROOT}")
  -G, --group string              Group for the unix socket (default: root only, mode 0660)
      --insecure-registry list    Registries reached over plain http (host:port)
      --registry-auth-file string Registry credentials, docker config.json format (default "${DEFAULT_REGISTRY_AUTH_FILE}")
      --bridge-subnet string      Subnet of the default bridge network (default: chosen at first start)
      --bridge-name string        Kernel name of the default bridge (default "berth0", or <prefix>0)
      --network-prefix string     Prefix of host-wide network names: nft table, iptables chains, veths,
                                  bridges (1-6 chars; default "berth" for the default data root, else
                                  derived from the data root so two daemons never clash)
      --mtu int                   MTU of bridges and container interfaces (default 1500)
      --ip-forward                Enable net.ipv4.ip_forward when containers need outbound access (default true)
      --firewall-backend string   "auto", "nftables" or "iptables" (default "auto")
      --cgroup-parent string      Parent cgroup of the containers (default "berth")
      --init-pool int             Container inits kept pre-started for fast starts (default 1)
  -l, --log-level string          Set the logging level ("debug"|"info"|"warn"|"error"|"fatal") (default "info")
  -h, --help                      Print usage
  -v, --version                   Print version information and quit
`;

type Setter = (f: DaemonFlags, v: string) => void;

const VALUE_FLAGS: Record<string, Setter> = {
  '-H': (f, v) => f.hosts.push(v),
  '--host': (f, v) => f.hosts.push(v),
  '--data-root': (f, v) => (f.dataRoot = v),
  '--exec-root': (f, v) => (f.execRoot = v),
  '-G': (f, v) => (f.group = v),
  '--group': (f, v) => (f.group = v),
  '--insecure-registry': (f, v) => f.insecureRegistries.push(v),
  '--insecure-registries': (f, v) => f.insecureRegistries.push(v),
  '--registry-auth-file': (f, v) => (f.registryAuthFile = v),
  '--bridge-subnet': (f, v) => (f.bridgeSubnet = v),
  '--bridge-name': (f, v) => (f.bridgeName = v),
  '--network-prefix': (f, v) => (f.networkPrefix = v),
  '--mtu': (f, v) => {
    if (!/^\d+$/.test(v)) throw new InvalidArgument(`invalid MTU "${v}": want a number`);
    f.mtu = Number(v);
  },
  '--firewall-backend': (f, v) => (f.firewallBackend = v),
  '--cgroup-parent': (f, v) => (f.cgroupParent = v),
  '--init-pool': (f, v) => {
    if (!/^\d+$/.test(v) || Number(v) > 16) throw new InvalidArgument(`invalid --init-pool "${v}": want 0 to 16`);
    f.initPool = Number(v);
  },
  '-l': (f, v) => setLevel(f, v),
  '--log-level': (f, v) => setLevel(f, v),
};

function setLevel(f: DaemonFlags, v: string): void {
  if (!isLogLevel(v)) throw new InvalidArgument(`invalid log level "${v}": want debug, info, warn, error or fatal`);
  f.logLevel = v;
}

/** Booleans that also take =true/=false (dockerd's --ip-forward=false). */
const BOOL_VALUE_FLAGS: Record<string, (f: DaemonFlags, v: boolean) => void> = {
  '--ip-forward': (f, v) => (f.ipForward = v),
};

function parseBool(name: string, v: string): boolean {
  if (/^(1|t|true)$/i.test(v)) return true;
  if (/^(0|f|false)$/i.test(v)) return false;
  throw new InvalidArgument(`invalid value "${v}" for flag ${name}: want true or false`);
}

const BOOL_FLAGS: Record<string, (f: DaemonFlags) => void> = {
  '-h': (f) => (f.help = true),
  '--help': (f) => (f.help = true),
  '-v': (f) => (f.version = true),
  '--version': (f) => (f.version = true),
};

export function parseFlags(argv: readonly string[]): DaemonFlags {
  const f: DaemonFlags = {
    hosts: [],
    dataRoot: DEFAULT_DATA_ROOT,
    execRoot: DEFAULT_EXEC_ROOT,
    group: undefined,
    insecureRegistries: [],
    registryAuthFile: DEFAULT_REGISTRY_AUTH_FILE,
    logLevel: 'info',
    bridgeSubnet: undefined,
    bridgeName: undefined,
    networkPrefix: undefined,
    mtu: 1500,
    ipForward: true,
    firewallBackend: 'auto',
    cgroupParent: 'berth',
    initPool: 1,
    help: false,
    version: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const boolValue = BOOL_VALUE_FLAGS[name];
    if (boolValue) {
      boolValue(f, eq > 0 ? parseBool(name, arg.slice(eq + 1)) : true);
      continue;
    }
    const bool = BOOL_FLAGS[name];
    if (bool && eq < 0) {
      bool(f);
      continue;
    }
    const setter = VALUE_FLAGS[name];
    if (!setter) throw new InvalidArgument(`unknown flag: ${arg}\nSee 'berthd --help'.`);
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined) throw new InvalidArgument(`flag needs an argument: ${name}`);
    setter(f, value);
  }
  if (f.hosts.length === 0) f.hosts.push(DEFAULT_SOCKET);
  return f;
}

/** Accepts unix://PATH, unix:PATH or a bare absolute path; returns the socket path. */
export function socketPathFromHost(host: string): string {
  let p: string;
  if (host.startsWith('unix://')) p = host.slice('unix://'.length);
  else if (host.startsWith('unix:')) p = host.slice('unix:'.length);
  else if (host.startsWith('/')) p = host;
  else if (host.startsWith('fd://'))
    throw new InvalidArgument(`socket activation (${host}) is not supported; use unix://PATH`);
  else
    throw new InvalidArgument(`unsupported host "${host}": berthd listens on unix sockets only (unix:///path/to.sock)`);
  if (!p.startsWith('/')) throw new InvalidArgument(`socket path must be absolute: ${host}`);
  return p;
}
