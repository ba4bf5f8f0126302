/** The host dialog's form, its checks, and the HostSpec it makes (keys follow HostSpec paths). */
import type { HostSpec, HostSummary, SshAuth } from '@contract';
import { t } from '@/i18n';

export interface HostForm {
  name: string;
  kind: 'local' | 'ssh' | 'wsl';
  socketPath: string;
  host: string;
  port: string;
  username: string;
  auth: SshAuth['method'];
  keyPath: string;
  agentSocket: string;
  knownHosts: string;
  remoteSocket: string;
  distro: string;
  autoConnect: boolean;
}

export function hostForm(h?: HostSummary): HostForm {
  const f: HostForm = {
    name: h?.name ?? '',
    kind: h?.kind ?? 'local',
    socketPath: '/run/berth/berth.sock',
    host: '',
    port: '22',
    username: '',
    auth: 'key',
    keyPath: '~/.ssh/id_ed25519',
    agentSocket: '',
    knownHosts: '',
    remoteSocket: '',
    distro: '',
    autoConnect: h?.autoConnect ?? true,
  };
  const c = h?.config;
  if (c?.kind === 'local') f.socketPath = c.socketPath;
  if (c?.kind === 'wsl') f.distro = c.distro;
  if (c?.kind === 'ssh') {
    Object.assign(f, {
      host: c.host,
      port: String(c.port ?? 22),
      username: c.username,
      auth: c.auth.method,
      knownHosts: c.knownHostsPath ?? '',
      remoteSocket: c.remoteSocket ?? '',
    });
    if (c.auth.method === 'key') f.keyPath = c.auth.privateKeyPath;
    if (c.auth.method === 'agent') f.agentSocket = c.auth.agentSocket ?? '';
  }
  return f;
}

const HOSTNAME_RE = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[?[0-9a-fA-F:.]+\]?$/;

export function toHostSpec(f: HostForm): { spec?: HostSpec; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const req = (v: string, key: string): string => {
    const s = v.trim();
    if (!s) errors[key] = t('errors.required');
    return s;
  };
  const name = req(f.name, 'name');
  let config: HostSpec['config'];
  if (f.kind === 'local') {
    const p = req(f.socketPath, 'config.socketPath');
    if (p && !p.startsWith('/') && !p.startsWith('\\\\.\\pipe\\') && !p.startsWith('~/'))
      errors['config.socketPath'] = t('errors.absolutePath');
    config = { kind: 'local', socketPath: p };
  } else if (f.kind === 'wsl') {
    config = { kind: 'wsl', distro: req(f.distro, 'config.distro') };
  } else {
    const host = req(f.host, 'config.host');
    if (host && !HOSTNAME_RE.test(host)) errors['config.host'] = t('errors.required');
    const port = Number(f.port.trim() || '22');
    if (!Number.isInteger(port) || port < 1 || port > 65535) errors['config.port'] = t('errors.port');
    const username = req(f.username, 'config.username');
    let auth: SshAuth;
    if (f.auth === 'key') auth = { method: 'key', privateKeyPath: req(f.keyPath, 'config.auth.privateKeyPath') };
    else if (f.auth === 'agent')
      auth = f.agentSocket.trim() ? { method: 'agent', agentSocket: f.agentSocket.trim() } : { method: 'agent' };
    else auth = { method: 'password' };
    config = {
      kind: 'ssh',
      host,
      port,
      username,
      auth,
      ...(f.knownHosts.trim() ? { knownHostsPath: f.knownHosts.trim() } : {}),
      ...(f.remoteSocket.trim() ? { remoteSocket: f.remoteSocket.trim() } : {}),
    };
  }
  if (Object.keys(errors).length) return { errors };
  return { spec: { name, config, autoConnect: f.autoConnect }, errors };
}
