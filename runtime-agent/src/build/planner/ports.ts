/** EXPOSE port specs (`80`, `80/udp`, `8000-8010/tcp`, even `ip:host:container/proto`) → `port/proto` keys. */

function parsePortRange(s: string): [number, number] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start > 65535 || end > 65535 || end < start) return undefined;
  return [start, end];
}

/** The exposed-port keys of one spec, with Docker's error messages. */
export function exposedPorts(raw: string): string[] {
  const parts = raw.split(':');
  const containerPart = parts[parts.length - 1] as string;
  const hostPort = parts.length >= 2 ? (parts[parts.length - 2] as string) : '';
  const slash = containerPart.indexOf('/');
  const port = slash < 0 ? containerPart : containerPart.slice(0, slash);
  let proto = slash < 0 ? '' : containerPart.slice(slash + 1);
  if (port === '') throw new Error(`no port specified: ${raw}<empty>`);
  if (proto === '') proto = 'tcp';
  proto = proto.toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new Error(`invalid proto: ${proto}`);
  const range = parsePortRange(port);
  if (!range) throw new Error(`invalid containerPort: ${port}`);
  if (hostPort !== '') {
    const hr = parsePortRange(hostPort);
    if (!hr) throw new Error(`invalid hostPort: ${hostPort}`);
    if (hr[1] - hr[0] !== range[1] - range[0] && range[0] !== range[1]) {
      throw new Error(`invalid ranges specified for container and host Ports: ${port} and ${hostPort}`);
    }
  }
  const out: string[] = [];
  for (let p = range[0]; p <= range[1]; p++) out.push(`${p}/${proto}`);
  return out;
}
