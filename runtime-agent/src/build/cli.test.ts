/**
 * The real docker CLI (client only, classic builder) against a small recording server: what the
 * CLI sends to POST /build (including the truncated tar of `-f` outside the context) is read by
 * BuildContext, and what output.ts writes is rendered by the CLI as it renders dockerd's stream.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildContext } from './context/build-context';
import { BuildOutput, buildText } from './output';

const DOCKER = process.env.BERTH_DOCKER_CLI ?? '/usr/local/bin/docker';

interface Captured {
  url: URL;
  body: Buffer;
}

let tmp: string;
let sock: string;
let server: http.Server;
const captured: Captured[] = [];
let respond: (out: BuildOutput) => void = () => undefined;
let quiet = false;

function docker(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(DOCKER, ['-H', `unix://${sock}`, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, DOCKER_BUILDKIT: '0', DOCKER_CLI_HINTS: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

describe.skipIf(!fs.existsSync(DOCKER))('docker CLI (classic builder) against the build stream', () => {
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-test-'));
    sock = path.join(tmp, 'd.sock');
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname.endsWith('/_ping')) {
        res.writeHead(200, {
          'Api-Version': '1.43',
          'Builder-Version': '1',
          Ostype: 'linux',
          'Content-Type': 'text/plain',
        });
        res.end('OK');
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        captured.push({ url, body: Buffer.concat(chunks) });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const out = new BuildOutput((c) => res.write(c), quiet);
        respond(out);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(sock, resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('sends a truncated tar for -f outside the context, which BuildContext reads', async () => {
    const ctxDir = path.join(tmp, 'ctx');
    const elsewhere = path.join(tmp, 'elsewhere');
    fs.mkdirSync(path.join(ctxDir, 'sub'), { recursive: true });
    fs.mkdirSync(elsewhere);
    fs.writeFileSync(path.join(ctxDir, 'a.txt'), 'A\n');
    fs.writeFileSync(path.join(ctxDir, 'sub', 'b.txt'), 'B\n');
    fs.writeFileSync(path.join(ctxDir, 'secret.env'), 'X=1\n');
    fs.writeFileSync(path.join(ctxDir, '.dockerignore'), '*.env\n');
    fs.writeFileSync(path.join(elsewhere, 'Dockerfile'), 'FROM busybox\nCOPY a.txt /\n');
    respond = (out) => {
      out.step(1, 2, 'FROM busybox');
      out.stdout(buildText.result('sha256:1111111111111111111111111111'));
      out.step(2, 2, 'COPY a.txt /');
      out.stdout(buildText.result('sha256:2222222222222222222222222222'));
      out.aux('sha256:2222222222222222222222222222');
      out.stdout(buildText.successfullyBuilt('sha256:2222222222222222222222222222'));
      out.stdout(buildText.successfullyTagged('test:1'));
    };
    const r = await docker(['build', '-f', path.join(elsewhere, 'Dockerfile'), '-t', 'test:1', ctxDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'Step 1/2 : FROM busybox\n ---> 111111111111\nStep 2/2 : COPY a.txt /\n ---> 222222222222\n' +
        'Successfully built 222222222222\nSuccessfully tagged test:1\n',
    );

    const req = captured.at(-1) as Captured;
    const dockerfile = req.url.searchParams.get('dockerfile') ?? '';
    expect(dockerfile).toMatch(/^\.dockerfile\.[0-9a-f]+$/);
    expect(req.url.searchParams.getAll('t')).toEqual(['test:1']);
    expect(req.body.length % 512).not.toBe(0); // the truncated archive
    const ctx = await BuildContext.fromTar([req.body], { dockerfile, tmpDir: tmp });
    try {
      expect(ctx.dockerfile).toBe('FROM busybox\nCOPY a.txt /\n');
      const names = fs.readdirSync(ctx.root).sort();
      expect(names).toEqual(['.dockerignore', 'a.txt', 'sub']);
      expect(fs.readFileSync(path.join(ctx.root, 'sub', 'b.txt'), 'utf8')).toBe('B\n');
    } finally {
      await ctx.dispose();
    }
  });

  it('renders a failing step and exits with its code', async () => {
    const dir = path.join(tmp, 'fail');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox\nRUN exit 3\n');
    respond = (out) => {
      out.step(1, 2, 'FROM busybox');
      out.stdout(buildText.result('sha256:1111111111111111'));
      out.step(2, 2, 'RUN exit 3');
      out.stdout(buildText.runningIn('abcdefabcdef0123'));
      out.stderr('failing on purpose\n');
      out.error(buildText.runFailed(['/bin/sh', '-c', 'exit 3'], 3), 3);
    };
    const r = await docker(['build', dir]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('Step 2/2 : RUN exit 3\n ---> Running in abcdefabcdef\n');
    expect(r.stdout + r.stderr).toContain('failing on purpose');
    expect(r.stderr).toContain("The command '/bin/sh -c exit 3' returned a non-zero code: 3");
  });

  it('prints only the image ID with -q', async () => {
    const dir = path.join(tmp, 'quiet');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox\n');
    quiet = true;
    respond = (out) => {
      out.step(1, 1, 'FROM busybox');
      out.aux('sha256:3333');
      out.success('sha256:3333');
    };
    const r = await docker(['build', '-q', dir]);
    quiet = false;
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('sha256:3333');
    expect(captured.at(-1)?.url.searchParams.get('q')).toBe('1');
  });
});
