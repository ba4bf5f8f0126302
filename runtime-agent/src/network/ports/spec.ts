/**
 * Published-port requests: the CLI's `-p [ip:][hostPort[-end]:]containerPort[-end][/proto]`
 * syntax, and the Engine API's HostConfig.PortBindings / PublishAllPorts / ExposedPorts, both
 * reduced to one list of PortRequest. Host ports are chosen later (ports/reserve.ts).
 */
import { InvalidArgument } from '../../errdefs';
import { isIPv4 } from '../ip';

export type Proto = 'tcp' | 'udp';

export interface PortRequest {
  proto: Proto;
  containerPort: number;
  /** '' means every host address (Docker prints 0.0.0.0). */
  hostIp: string;
  /** First and last acceptable host port; 0/0 = any free port (-P, or `-p 80`). */
  hostPortStart: number;
  hostPortEnd: number;
}

/** A published port after a host port was chosen. */
export interface PortBinding {
  proto: Proto;
  containerPort: number;
  hostIp: string;
  hostPort: number;
}

/** Docker's NetworkSettings.Ports: "80/tcp" → [{HostIp, HostPort}] or null for exposed-only ports. */
export type DockerPortMap = Record<string, Array<{ HostIp: string; HostPort: string }> | null>;

function bad(spec: string, why: string): InvalidArgument {
  return new InvalidArgument(`invalid port specification "${spec}": ${why}`);
}

function parsePort(text: string, spec: string, what: string, allowZero = false): number {
  if (!/^\d{1,5}$/.test(text)) throw bad(spec, `${what} "${text}" is not a number`);
  const n = Number(text);
  if (n > 65535 || (n === 0 && !allowZero)) throw bad(spec, `${what} ${n} is out of range (1–65535)`);
  return n;
}

function parseRange(text: string, spec: string, what: string): [number, number] {
  const dash = text.indexOf('-');
  if (dash < 0) {
    const p = parsePort(text, spec, what);
    return [p, p];
  }
  const a = parsePort(text.slice(0, dash), spec, what);
  const b = parsePort(text.slice(dash + 1), spec, what);
  if (b < a) throw bad(spec, `${what} range ${text} ends before it starts`);
  return [a, b];
}

export function parseProto(text: string, spec: string): Proto {
  const p = text.toLowerCase();
  if (p === 'tcp' || p === 'udp') return p;
  if (p === 'sctp') throw bad(spec, 'sctp is not supported (tcp or udp)');
  throw bad(spec, `unknown protocol "${text}" (tcp or udp)`);
}

function checkHostIp(ip: string, spec: string): string {
  if (ip === '' || ip === '0.0.0.0') return '';
  if (ip.startsWith('[') || ip.includes(':')) throw bad(spec, 'IPv6 host addresses are not supported');
  if (!isIPv4(ip)) throw bad(spec, `"${ip}" is not an IPv4 address`);
  return ip;
}

/** Parse one `-p` value into one request per container port. */
export function parsePortSpec(spec: string): PortRequest[] {
  const s = spec.trim();
  if (s === '') throw bad(spec, 'empty');
  let rest = s;
  let proto: Proto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    proto = parseProto(rest.slice(slash + 1), spec);
    rest = rest.slice(0, slash);
  }
  if (rest.startsWith('[')) throw bad(spec, 'IPv6 host addresses are not supported');
  const parts = rest.split(':');
  if (parts.length > 3) throw bad(spec, 'too many colons (want [ip:][hostPort:]containerPort)');
  const containerText = parts[parts.length - 1]!;
  const hostText = parts.length >= 2 ? parts[parts.length - 2]! : '';
  const hostIp = checkHostIp(parts.length === 3 ? parts[0]! : '', spec);
  if (containerText === '') throw bad(spec, 'no container port');
  const [cs, ce] = parseRange(containerText, spec, 'container port');
  let hs = 0;
  let he = 0;
  if (hostText !== '') [hs, he] = parseRange(hostText, spec, 'host port');
  return expand(spec, proto, hostIp, cs, ce, hs, he);
}

function expand(
  spec: string,
  proto: Proto,
  hostIp: string,
  cs: number,
  ce: number,
  hs: number,
  he: number,
): PortRequest[] {
  const count = ce - cs + 1;
  const out: PortRequest[] = [];
  if (hs === 0) {
    for (let p = cs; p <= ce; p++) out.push({ proto, containerPort: p, hostIp, hostPortStart: 0, hostPortEnd: 0 });
    return out;
  }
  const hostCount = he - hs + 1;
  if (count === 1) return [{ proto, containerPort: cs, hostIp, hostPortStart: hs, hostPortEnd: he }];
  if (hostCount !== count)
    throw bad(spec, `the host range has ${hostCount} ports and the container range ${count}: they must match`);
  for (let i = 0; i < count; i++)
    out.push({ proto, containerPort: cs + i, hostIp, hostPortStart: hs + i, hostPortEnd: hs + i });
  return out;
}

/** "80/tcp" → [80, 'tcp'] (the key of PortBindings / ExposedPorts; a range "80-81/tcp" is allowed). */
export function parsePortKey(key: string): { start: number; end: number; proto: Proto } {
  const slash = key.indexOf('/');
  const proto = slash >= 0 ? parseProto(key.slice(slash + 1), key) : 'tcp';
  const [start, end] = parseRange(slash >= 0 ? key.slice(0, slash) : key, key, 'container port');
  return { start, end, proto };
}

export interface ApiPortConfig {
  PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | null;
  PublishAllPorts?: boolean;
  ExposedPorts?: Record<string, unknown> | null;
}

/** The Engine API's HostConfig.PortBindings (+ PublishAllPorts over ExposedPorts) as requests. */
export function requestsFromApi(cfg: ApiPortConfig): PortRequest[] {
  const out: PortRequest[] = [];
  const bound = new Set<string>();
  for (const [key, bindings] of Object.entries(cfg.PortBindings ?? {})) {
    const { start, end, proto } = parsePortKey(key);
    for (const b of bindings ?? []) {
      const spec = `${b.HostIp ? b.HostIp + ':' : ''}${b.HostPort ?? ''}:${key}`;
      const hostIp = checkHostIp(b.HostIp ?? '', spec);
      let hs = 0;
      let he = 0;
      // HostPort "0" (or empty) asks for a random port, as with `-p 127.0.0.1:0:80`.
      if (b.HostPort && b.HostPort !== '0') [hs, he] = parseRange(b.HostPort, spec, 'host port');
      out.push(...expand(spec, proto, hostIp, start, end, hs, he));
    }
    for (let p = start; p <= end; p++) bound.add(`${p}/${proto}`);
  }
  if (cfg.PublishAllPorts) {
    for (const key of Object.keys(cfg.ExposedPorts ?? {})) {
      const { start, end, proto } = parsePortKey(key);
      for (let p = start; p <= end; p++) {
        if (bound.has(`${p}/${proto}`)) continue;
        out.push({ proto, containerPort: p, hostIp: '', hostPortStart: 0, hostPortEnd: 0 });
      }
    }
  }
  return out;
}

/** NetworkSettings.Ports in Docker's shape: every exposed port, with its bindings or null. */
export function dockerPortMap(bindings: readonly PortBinding[], exposed: readonly string[] = []): DockerPortMap {
  const out: DockerPortMap = {};
  for (const key of exposed) {
    const { start, end, proto } = parsePortKey(key);
    for (let p = start; p <= end; p++) out[`${p}/${proto}`] ??= null;
  }
  for (const b of bindings) {
    const key = `${b.containerPort}/${b.proto}`;
    const list = out[key] ?? [];
    list.push({ HostIp: b.hostIp || '0.0.0.0', HostPort: String(b.hostPort) });
    out[key] = list;
  }
  return out;
}
