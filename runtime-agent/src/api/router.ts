/**
 * Routing as moby's router does it: one folder per resource registers its routes; paths may carry
 * a /vX.Y prefix (1.24–1.43 accepted) or none (dockerode's default). `{name}` matches one path
 * segment, `{name*}` matches the rest greedily (image names hold slashes).
 */
import { InvalidArgument, NotFound } from '../errdefs';
import { API_VERSION, MIN_API_VERSION, compareApiVersions } from '../version';
import type { RouteContext } from './context';

export type Handler = (ctx: RouteContext) => Promise<void> | void;
export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

interface Route {
  method: Method;
  pattern: string;
  regex: RegExp;
  names: string[];
  handler: Handler;
}

export interface Match {
  handler: Handler;
  params: Record<string, string>;
  pattern: string;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: Method, pattern: string, handler: Handler): this {
    const names: string[] = [];
    const src = pattern
      .replace(/[.+?^$()[\]\\|]/g, '\\$&')
      .replace(/\{(\w+)(\*?)\}/g, (_m, name: string, greedy: string) => {
        names.push(name);
        return greedy ? '(.+)' : '([^/]+)';
      });
    this.routes.push({ method, pattern, regex: new RegExp(`^${src}$`), names, handler });
    return this;
  }

  get(p: string, h: Handler): this {
    return this.add('GET', p, h);
  }
  head(p: string, h: Handler): this {
    return this.add('HEAD', p, h);
  }
  post(p: string, h: Handler): this {
    return this.add('POST', p, h);
  }
  put(p: string, h: Handler): this {
    return this.add('PUT', p, h);
  }
  delete(p: string, h: Handler): this {
    return this.add('DELETE', p, h);
  }

  match(method: string, path: string): Match | undefined {
    for (const r of this.routes) {
      if (r.method !== method) continue;
      const m = r.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { handler: r.handler, params, pattern: r.pattern };
    }
    return undefined;
  }

  list(): Array<{ method: Method; pattern: string }> {
    return this.routes.map((r) => ({ method: r.method, pattern: r.pattern }));
  }
}

export interface VersionedPath {
  path: string;
  apiVersion: string;
}

/** Split "/v1.43/containers/json" into the version and the route path; check the version range. */
export function splitVersion(rawPath: string): VersionedPath {
  const m = /^\/v(\d+\.\d+)(\/.*)?$/.exec(rawPath);
  if (!m) return { path: rawPath, apiVersion: API_VERSION };
  const v = m[1]!;
  if (compareApiVersions(v, API_VERSION) > 0) {
    throw new InvalidArgument(`client version ${v} is too new. Maximum supported API version is ${API_VERSION}`);
  }
  if (compareApiVersions(v, MIN_API_VERSION) < 0) {
    throw new InvalidArgument(
      `client version ${v} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
    );
  }
  return { path: m[2] ?? '/', apiVersion: v };
}

export function routeNotFound(): NotFound {
  return new NotFound('page not found');
}
