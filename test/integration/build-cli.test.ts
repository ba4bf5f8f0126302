/**
 * `DOCKER_BUILDKIT=0 docker build` against berthd (issue 7): the seed's pattern offline (FROM the
 * busybox fixture image), .dockerignore, build args, multi-stage with --target, cache hits and
 * invalidation, COPY --chown/--chmod, ADD of a tar, heredoc RUN, the built image run, its
 * history, a push to the fixture registry, df and prune.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { BerthdHandle } from '../support/berthd';
import type { CliResult } from '../support/docker-cli';
import { describeIf } from '../support/env';
import { skopeoInspect } from '../support/skopeo';
import { startCliAgent, type CliAgent } from '../support/cli-agent';

function write(dir: string, files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
  return dir;
}

const steps = (out: string): string[] => out.split('\n').filter((l) => /^Step \d+\/\d+ : /.test(l));

describeIf('docker build (classic) against berthd', { root: true, commands: ['docker-registry', 'skopeo'] }, () => {
  let a: CliAgent;
  let d: BerthdHandle;
  let img: string;
  let regHost: string;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-build-cli-'));
  const run = (args: string[], input?: string): Promise<CliResult> =>
    a.run(args, { timeoutMs: 120_000, ...(input === undefined ? {} : { input }) });

  beforeAll(async () => {
    const reg = inject('fixtureRegistry')!;
    regHost = reg.host;
    a = await startCliAgent(reg);
    ({ d, img } = a);
  });
  afterAll(async () => {
    await a?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('builds the seed pattern offline: RUN, ENV, WORKDIR, COPY with .dockerignore, CMD; the image runs', async () => {
    const ctx = write(fs.mkdtempSync(path.join(tmp, 'seed-')), {
      Dockerfile: [
        `FROM ${img}`,
        'ENV GREETING=hello',
        'RUN mkdir -p /data && echo one > /data/one',
        'RUN echo two > /data/two',
        'RUN rm /data/one',
        'WORKDIR /app/work',
        'COPY . /app/',
        'CMD ["sh", "-c", "echo $GREETING from $(pwd); ls /data; ls -a /app"]',
        '',
      ].join('\n'),
      '.dockerignore': 'secret.txt\n*.log\n',
      'keep.txt': 'kept\n',
      'secret.txt': 'nope\n',
      'debug.log': 'nope\n',
    });
    const b = await run(['build', '-t', 'berth-test/seed:1', ctx]);
    expect(b.code, b.stderr + b.stdout).toBe(0);
    expect(steps(b.stdout)).toHaveLength(8);
    expect(b.stdout).toMatch(/ ---> Running in [0-9a-f]{12}/);
    expect(b.stdout).toMatch(/Successfully built [0-9a-f]{12}/);
    expect(b.stdout).toMatch(/Successfully tagged berth-test\/seed:1/);
    const r = await run(['run', '--rm', 'berth-test/seed:1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('hello from /app/work');
    expect(r.stdout).toMatch(/^two$/m);
    expect(r.stdout).not.toMatch(/^one$/m);
    expect(r.stdout).toMatch(/keep\.txt/);
    expect(r.stdout).not.toMatch(/secret\.txt|debug\.log/);
    const inspect = await run([
      'image',
      'inspect',
      '--format',
      '{{json .Config.Env}} {{.Config.WorkingDir}}',
      'berth-test/seed:1',
    ]);
    expect(inspect.stdout).toContain('GREETING=hello');
    expect(inspect.stdout).toContain('/app/work');
    const hist = await run(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'berth-test/seed:1']);
    expect(hist.code, hist.stderr).toBe(0);
    expect(hist.stdout).toContain('echo two > /data/two');
    expect(hist.stdout).toMatch(/COPY|copy/);
    expect((await run(['ps', '-aq'])).stdout.trim()).toBe('');
    // The steps are images too: `docker images` hides them (they have children), -a shows them.
    const listed = (await run(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout;
    expect(listed).not.toContain('<none>');
    const every = (await run(['images', '-a', '--format', '{{.Repository}}:{{.Tag}}'])).stdout;
    expect(every.split('\n').filter((l) => l === '<none>:<none>').length).toBeGreaterThanOrEqual(6);

    // Unchanged rebuild: every step from the cache, same image.
    const again = await run(['build', '-t', 'berth-test/seed:1', ctx]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.match(/ ---> Using cache/g)).toHaveLength(7);
    expect(again.stdout).not.toMatch(/Running in/);
    const id = (s: string): string | undefined => /Successfully built ([0-9a-f]{12})/.exec(s)?.[1];
    expect(id(again.stdout)).toBe(id(b.stdout));

    // A changed copied file re-runs from its COPY on only.
    fs.writeFileSync(path.join(ctx, 'keep.txt'), 'changed\n');
    const changed = await run(['build', ctx]);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout.match(/ ---> Using cache/g)).toHaveLength(5);
    const parts = changed.stdout.split(/Step 7\/8 : COPY/);
    expect(parts[1]).not.toMatch(/Using cache/);

    // An ignored file changing does not invalidate anything.
    fs.writeFileSync(path.join(ctx, 'secret.txt'), 'still secret\n');
    const ignored = await run(['build', ctx]);
    expect(ignored.stdout.match(/ ---> Using cache/g)).toHaveLength(7);
  });

  it('multi-stage: COPY --from an earlier stage, --target builds only the first stage', async () => {
    const ctx = write(fs.mkdtempSync(path.join(tmp, 'multi-')), {
      Dockerfile: [
        `FROM ${img} AS builder`,
        'RUN mkdir /out && echo artifact > /out/app.txt && echo junk > /builder-only.txt',
        `FROM ${img}`,
        'COPY --from=builder /out/app.txt /app.txt',
        'CMD ["cat", "/app.txt"]',
        '',
      ].join('\n'),
    });
    const b = await run(['build', '-t', 'berth-test/multi:1', ctx]);
    expect(b.code, b.stderr + b.stdout).toBe(0);
    expect((await run(['run', '--rm', 'berth-test/multi:1'])).stdout).toBe('artifact\n');
    const ls = await run(['run', '--rm', 'berth-test/multi:1', 'ls', '/']);
    expect(ls.stdout).not.toContain('builder-only.txt');
    // Several tags, --iidfile, --pull (the base is pulled again although present).
    const iid = path.join(tmp, 'iid');
    const again = await run([
      'build',
      '--pull',
      '--iidfile',
      iid,
      '-t',
      'berth-test/multi:a',
      '-t',
      'berth-test/multi:b',
      ctx,
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Pulling from|Digest: sha256:/);
    expect(again.stdout).toMatch(
      /Successfully tagged berth-test\/multi:a\n[^]*Successfully tagged berth-test\/multi:b/,
    );
    const id = fs.readFileSync(iid, 'utf8').trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    const ids = await run(['images', '--no-trunc', '-q', 'berth-test/multi']);
    expect(new Set(ids.stdout.trim().split('\n')).has(id)).toBe(true);
    const t = await run(['build', '--target', 'builder', '-t', 'berth-test/multi:builder', ctx]);
    expect(t.code, t.stderr).toBe(0);
    expect(steps(t.stdout)).toHaveLength(2);
    expect(t.stdout).not.toContain('COPY --from');
    const ls2 = await run(['run', '--rm', 'berth-test/multi:builder', 'cat', '/builder-only.txt']);
    expect(ls2.stdout).toBe('junk\n');
  });

  it('build args, COPY --chown/--chmod, ADD of a tar, heredoc RUN and labels', async () => {
    const ctx = write(fs.mkdtempSync(path.join(tmp, 'misc-')), {
      Dockerfile: [
        `FROM ${img}`,
        'ARG FLAVOUR=plain',
        'RUN echo "flavour=$FLAVOUR" > /flavour',
        'COPY --chown=1234:2345 --chmod=640 owned.txt /owned.txt',
        'COPY --chown=nobody files/ /files/',
        'ADD bundle.tar.gz /unpacked/',
        'RUN <<EOF',
        'echo from-heredoc > /heredoc.txt',
        'echo second line >> /heredoc.txt',
        'EOF',
        '',
      ].join('\n'),
      'owned.txt': 'owned\n',
      'files/a.txt': 'a\n',
    });
    const src = write(fs.mkdtempSync(path.join(tmp, 'tarsrc-')), { 'inner/x.txt': 'from tar\n' });
    execFileSync('tar', ['-czf', path.join(ctx, 'bundle.tar.gz'), '-C', src, 'inner']);
    const b = await run([
      'build',
      '--build-arg',
      'FLAVOUR=spicy',
      '--label',
      'team=berth',
      '-t',
      'berth-test/misc:1',
      ctx,
    ]);
    expect(b.code, b.stderr + b.stdout).toBe(0);
    const check = await run([
      'run',
      '--rm',
      'berth-test/misc:1',
      'sh',
      '-c',
      'cat /flavour; stat -c "%u:%g %a" /owned.txt; stat -c "%u" /files/a.txt; cat /unpacked/inner/x.txt; cat /heredoc.txt',
    ]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toBe('flavour=spicy\n1234:2345 640\n65534\nfrom tar\nfrom-heredoc\nsecond line\n');
    const label = await run(['image', 'inspect', '--format', '{{index .Config.Labels "team"}}', 'berth-test/misc:1']);
    expect(label.stdout.trim()).toBe('berth');
  });

  it('heredoc script with a shebang, COPY heredoc, ADD of a URL, a Dockerfile on stdin', async () => {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'Last-Modified': 'Wed, 21 Oct 2015 07:28:00 GMT' });
      res.end(`served ${req.url}\n`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const ctx = write(fs.mkdtempSync(path.join(tmp, 'heredoc-')), {
        Dockerfile: [
          `FROM ${img}`,
          'RUN <<EOT',
          '#!/bin/sh',
          'echo "script $0" > /script.txt',
          'EOT',
          'COPY <<EOF /etc/greeting.txt',
          'hello from a heredoc',
          'EOF',
          `ADD http://127.0.0.1:${port}/remote.txt /downloads/`,
          '',
        ].join('\n'),
      });
      const b = await run(['build', '-t', 'berth-test/heredoc:1', ctx]);
      expect(b.code, b.stderr + b.stdout).toBe(0);
      const r = await run([
        'run',
        '--rm',
        'berth-test/heredoc:1',
        'sh',
        '-c',
        'cat /script.txt /etc/greeting.txt /downloads/remote.txt; stat -c "%a %Y" /downloads/remote.txt; ls /dev/pipes 2>&1 | wc -l',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(
        /^script \/dev\/pipes\/EOT\nhello from a heredoc\nserved \/remote.txt\n600 1445412480\n/,
      );
    } finally {
      server.close();
    }
    const stdin = await run(['build', '-t', 'berth-test/stdin:1', '-'], `FROM ${img}\nRUN echo piped > /piped\n`);
    expect(stdin.code, stdin.stderr + stdin.stdout).toBe(0);
    expect((await run(['run', '--rm', 'berth-test/stdin:1', 'cat', '/piped'])).stdout).toBe('piped\n');
  });

  it('a failing RUN exits with its code and message and leaves no container or mount', async () => {
    const ctx = write(fs.mkdtempSync(path.join(tmp, 'fail-')), {
      Dockerfile: `FROM ${img}\nRUN echo before-failure && exit 3\nRUN echo never\n`,
    });
    const b = await run(['build', '-t', 'berth-test/fail:1', ctx]);
    expect(b.code).toBe(3);
    expect(b.stdout).toContain('before-failure');
    expect(b.stderr + b.stdout).toMatch(/returned a non-zero code: 3/);
    expect((await run(['ps', '-aq'])).stdout.trim()).toBe('');
    expect((await run(['images', '-q', 'berth-test/fail'])).stdout.trim()).toBe('');
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    expect(mounts).not.toContain(path.join(d.dataRoot, 'build'));
  });

  it('a malformed Dockerfile, a missing source, sources escaping the context: clear errors', async () => {
    const ctx = write(fs.mkdtempSync(path.join(tmp, 'bad-')), {
      Dockerfile: `FROM ${img}\nRUN true\nFROBNICATE now\n`,
    });
    const b = await run(['build', ctx]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/line 3/);
    expect(b.stderr).toMatch(/unknown instruction: FROBNICATE/i);
    const missing = write(fs.mkdtempSync(path.join(tmp, 'missing-')), {
      Dockerfile: `FROM ${img}\nCOPY nothere.txt /\n`,
    });
    const m = await run(['build', missing]);
    expect(m.code).toBe(1);
    expect(m.stderr + m.stdout).toMatch(/nothere\.txt/);
    const escape = write(fs.mkdtempSync(path.join(tmp, 'escape-')), {
      Dockerfile: `FROM ${img}\nCOPY ../outside.txt /\n`,
    });
    const up = await run(['build', escape]);
    expect(up.code).toBe(1);
    expect(up.stderr + up.stdout).toMatch(/outside the build context|not in the build context|forbidden path/);
    const linked = write(fs.mkdtempSync(path.join(tmp, 'link-')), { Dockerfile: `FROM ${img}\nCOPY link /\n` });
    fs.symlinkSync('/etc/passwd', path.join(linked, 'link'));
    const l = await run(['build', linked]);
    expect(l.code).toBe(1);
    expect(l.stderr + l.stdout).toMatch(/forbidden path outside the build context/);
    expect((await run(['ps', '-aq'])).stdout.trim()).toBe('');
  });

  it('pushes a built image that skopeo inspects; df shows the build cache; prune empties it', async () => {
    const target = `${regHost}/built/seed:1`;
    expect((await run(['tag', 'berth-test/seed:1', target])).code).toBe(0);
    const push = await run(['push', target]);
    expect(push.code, push.stderr).toBe(0);
    const inspected = (await skopeoInspect(`docker://${target}`)) as { Layers: string[]; Env?: string[] };
    // busybox's layer, three RUNs, WORKDIR and COPY.
    expect(inspected.Layers.length).toBeGreaterThanOrEqual(5);
    const cfg = (await skopeoInspect(`docker://${target}`, { config: true })) as {
      config: { Env: string[]; Cmd: string[]; WorkingDir: string };
    };
    expect(cfg.config.Env).toContain('GREETING=hello');
    expect(cfg.config.WorkingDir).toBe('/app/work');

    const df = await run(['system', 'df']);
    expect(df.code, df.stderr).toBe(0);
    expect(df.stdout).toMatch(/Build Cache\s+[1-9]\d*\s+/);
    const prune = await run(['builder', 'prune', '-af']);
    expect(prune.code, prune.stderr).toBe(0);
    expect(prune.stdout).toMatch(/Total reclaimed space/);
    expect((await run(['system', 'df'])).stdout).toMatch(/Build Cache\s+0\s+/);
    // The tagged images survive; a rebuild runs its steps again.
    expect((await run(['run', '--rm', 'berth-test/multi:1'])).stdout).toBe('artifact\n');
    const ctx = write(fs.mkdtempSync(path.join(tmp, 'after-prune-')), {
      Dockerfile: `FROM ${img}\nRUN echo again > /again\n`,
    });
    const first = await run(['build', ctx]);
    expect(first.stdout).not.toMatch(/Using cache/);
    const second = await run(['build', ctx]);
    expect(second.stdout).toMatch(/Using cache/);
  });
});
