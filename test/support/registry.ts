/**
 * A real registry for tests: Debian's docker-registry (distribution 2.8) on a free 127.0.0.1
 * port with a temporary storage dir. Optional auth: htpasswd (basic) or token (bearer; the test
 * supplies the issuer's realm and certificate bundle). Loopback only.
 */
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';

export type RegistryAuth =
  | { kind: 'htpasswd'; users: Record<string, string> }
  | { kind: 'token'; realm: string; service: string; issuer: string; rootCertBundle: string };

export interface RegistryOptions {
  auth?: RegistryAuth;
  port?: number;
}

export interface TestRegistry {
  /** host:port, e.g. 127.0.0.1:41234 */
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly storageDir: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

function htpasswdFile(dir: string, users: Record<string, string>): string {
  const file = path.join(dir, 'htpasswd');
  const lines = Object.entries(users).map(([u, p]) => execFileSync('htpasswd', ['-Bbn', u, p]).toString().trim());
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function authYaml(dir: string, auth: RegistryAuth | undefined): string {
  if (!auth) return '';
  if (auth.kind === 'htpasswd') {
    return `auth:\n  htpasswd:\n    realm: berth-test\n    path: ${htpasswdFile(dir, auth.users)}\n`;
  }
  return (
    `auth:\n  token:\n    realm: ${auth.realm}\n    service: ${auth.service}\n` +
    `    issuer: ${auth.issuer}\n    rootcertbundle: ${auth.rootCertBundle}\n`
  );
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  const port = opts.port ?? (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-registry-'));
  const storageDir = path.join(dir, 'storage');
  fs.mkdirSync(storageDir);
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(
    config,
    `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storageDir}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
  headers:
    X-Content-Type-Options: [nosniff]
${authYaml(dir, opts.auth)}`,
  );
  const logFile = path.join(dir, 'registry.log');
  const out = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn('docker-registry', ['serve', config], {
    stdio: ['ignore', out, out],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
  });
  fs.closeSync(out);
  let exited = false;
  child.on('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exited) throw new Error(`docker-registry exited at start: ${fs.readFileSync(logFile, 'utf8')}`);
    try {
      const r = await fetch(`${url}/v2/`);
      if (r.status === 200 || r.status === 401) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not answer on ${url}: ${fs.readFileSync(logFile, 'utf8')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: `127.0.0.1:${port}`,
    port,
    url,
    storageDir,
    logFile,
    async stop() {
      if (!exited) {
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await gone;
        clearTimeout(t);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
