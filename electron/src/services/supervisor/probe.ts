/**
 * What answers on a socket path: berthd (and which version), another engine (Docker, Podman), or
 * something else — a plain file, a dead socket, a listener that never answers HTTP, one this user
 * may not open. Bounded by a timeout: never a hang.
 */
import fs from 'node:fs';
import http from 'node:http';

export type ProbeResult =
  | { kind: 'berth'; version: string; apiVersion: string }
  | { kind: 'engine'; name: string; version: string }
  | { kind: 'absent' }
  | { kind: 'stale' }
  | { kind: 'not-socket' }
  | { kind: 'denied'; message: string }
  | { kind: 'silent' }
  | { kind: 'not-engine'; detail: string };

function get(socketPath: string, urlPath: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, path: urlPath, method: 'GET', agent: false, headers: { Connection: 'close' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 65536) body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

export async function probe(socketPath: string, timeoutMs = 2000): Promise<ProbeResult> {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(socketPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES') return { kind: 'denied', message: `cannot look at ${socketPath} (permission denied)` };
    return { kind: 'absent' };
  }
  if (!st.isSocket()) return { kind: 'not-socket' };
  let ping: { status: number; body: string };
  try {
    ping = await get(socketPath, '/_ping', timeoutMs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || code === 'ENOENT') return { kind: 'stale' };
    if (code === 'EACCES' || code === 'EPERM')
      return { kind: 'denied', message: `permission denied opening ${socketPath}` };
    if (code === 'ETIMEDOUT') return { kind: 'silent' };
    return { kind: 'not-engine', detail: (err as Error).message };
  }
  if (ping.status !== 200) return { kind: 'not-engine', detail: `/_ping answered HTTP ${ping.status}` };
  try {
    const v = await get(socketPath, '/version', timeoutMs);
    const body = JSON.parse(v.body) as { Version?: string; ApiVersion?: string; Platform?: { Name?: string } };
    const name = body.Platform?.Name ?? '';
    if (/berth/i.test(name)) return { kind: 'berth', version: body.Version ?? '', apiVersion: body.ApiVersion ?? '' };
    return { kind: 'engine', name: name || 'a Docker-compatible engine', version: body.Version ?? '' };
  } catch (err) {
    return { kind: 'not-engine', detail: `/version: ${(err as Error).message}` };
  }
}

/** Poll until berthd answers on the socket, `stop()` says to give up, or the deadline passes. */
export async function waitForBerth(
  socketPath: string,
  deadline: number,
  stop: () => boolean,
  intervalMs = 100,
): Promise<ProbeResult | undefined> {
  for (;;) {
    if (stop()) return undefined;
    const r = await probe(socketPath, Math.max(200, Math.min(2000, deadline - Date.now())));
    if (r.kind === 'berth') return r;
    if (stop() || Date.now() >= deadline) return r;
    await new Promise((res) => setTimeout(res, intervalMs));
  }
}
