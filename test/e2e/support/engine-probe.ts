/**
 * Which Engine API pieces the berthd under test serves. The UI suite runs while the engine is
 * being completed on other branches: a flow whose endpoints the agent does not have yet (the
 * router's own "page not found", not a resource's 404) is skipped with that reason, and runs for
 * real as soon as the endpoint exists.
 */
import { request } from '../../support/berthd';

export type EnginePiece = 'images' | 'containers' | 'networks' | 'build' | 'volumes' | 'events';

const PROBES: Record<EnginePiece, { method: string; path: string }> = {
  images: { method: 'GET', path: '/images/json' },
  containers: { method: 'GET', path: '/containers/json?all=1' },
  networks: { method: 'GET', path: '/networks' },
  volumes: { method: 'GET', path: '/volumes' },
  // A window wholly in the past: answers at once when the route exists.
  events: { method: 'GET', path: '/events?since=1&until=2' },
  // An empty body is refused (400), but only by a router that has the route.
  build: { method: 'POST', path: '/build' },
};

export async function probeEngine(socket: string): Promise<Set<EnginePiece>> {
  const have = new Set<EnginePiece>();
  for (const [piece, p] of Object.entries(PROBES) as Array<[EnginePiece, { method: string; path: string }]>) {
    const r = await request(socket, p.method, p.path).catch(() => undefined);
    if (!r) continue;
    const routeMissing = (r.status === 404 || r.status === 405) && /page not found|method not allowed/i.test(r.body);
    if (!routeMissing) have.add(piece);
  }
  return have;
}
