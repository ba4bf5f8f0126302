/** skopeo helpers (plain http to the loopback test registry). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SkopeoAuth {
  username: string;
  password: string;
}

function authArgs(flag: '--creds' | '--dest-creds' | '--src-creds', auth?: SkopeoAuth): string[] {
  return auth ? [flag, `${auth.username}:${auth.password}`] : [];
}

export async function skopeo(args: string[]): Promise<string> {
  const { stdout } = await run('skopeo', ['--insecure-policy', ...args], {
    maxBuffer: 64 * 1024 * 1024,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' },
  });
  return stdout;
}

/** Copy src → dest; `all` copies every image of an index; `format` converts (v2s2 = Docker schema 2). */
export async function skopeoCopy(
  src: string,
  dest: string,
  opts: { all?: boolean; format?: 'oci' | 'v2s2'; destAuth?: SkopeoAuth; srcAuth?: SkopeoAuth } = {},
): Promise<void> {
  await skopeo([
    'copy',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    ...(opts.all ? ['--all'] : []),
    ...(opts.format ? ['--format', opts.format] : []),
    ...authArgs('--dest-creds', opts.destAuth),
    ...authArgs('--src-creds', opts.srcAuth),
    src,
    dest,
  ]);
}

export interface InspectResult {
  Digest: string;
  Layers: string[];
  Architecture: string;
  Os: string;
  [k: string]: unknown;
}

export async function skopeoInspect(
  ref: string,
  opts: { raw?: boolean; config?: boolean; auth?: SkopeoAuth } = {},
): Promise<unknown> {
  const out = await skopeo([
    'inspect',
    '--tls-verify=false',
    ...(opts.raw ? ['--raw'] : []),
    ...(opts.config ? ['--config'] : []),
    ...authArgs('--creds', opts.auth),
    ref,
  ]);
  return JSON.parse(out) as unknown;
}
