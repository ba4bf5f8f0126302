/**
 * Builds across the agent's life (issue 7): the cache survives a restart, a client that goes away
 * mid-RUN cancels the build and leaves no container or mount, `-f` outside the context (the CLI's
 * renamed Dockerfile), `-q`, COPY --from an image, SHELL and `RUN --network=none`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startBerthd, type BerthdHandle } from '../support/berthd';
import { docker, dockerInBackground, type CliResult } from '../support/docker-cli';
import { describeIf } from '../support/env';
import { seedRegistry } from '../support/fixtures';
import { startRegistry } from '../support/registry';
import { retireAgent } from '../support/cli-agent';

function write(dir: string, files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
  return dir;
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describeIf(
  'docker build: restarts, cancellation, options',
  { root: true, commands: ['docker-registry', 'skopeo'] },
  () => {
    let d: BerthdHandle;
    let img: string;
    let registryArgs: string[];
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-build-life-'));
    const run = (args: string[]): Promise<CliResult> => docker(d.host, args, { timeoutMs: 120_000 });

    beforeAll(async () => {
      const reg = inject('fixtureRegistry')!;
      img = reg.images.busybox;
      registryArgs = ['--insecure-registry', reg.host];
      d = await startBerthd({ args: registryArgs });
    });
    afterAll(async () => {
      await retireAgent(d);
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('the cache survives an agent restart', async () => {
      const ctx = write(fs.mkdtempSync(path.join(tmp, 'restart-')), {
        Dockerfile: `FROM ${img}\nRUN echo cached > /c\nCOPY f /f\nENV A=1\n`,
        f: 'file\n',
      });
      const first = await run(['build', '-t', 'berth-test/restart:1', ctx]);
      expect(first.code, first.stderr + first.stdout).toBe(0);
      expect(await d.stop()).toBe(0);
      d = await startBerthd({ dir: d.dir, args: registryArgs });
      const again = await run(['build', '-t', 'berth-test/restart:1', ctx]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout.match(/ ---> Using cache/g)).toHaveLength(3);
      const noCache = await run(['build', '--no-cache', ctx]);
      expect(noCache.code, noCache.stderr).toBe(0);
      expect(noCache.stdout).not.toMatch(/Using cache/);
    });

    it('a client that goes away mid-RUN cancels the build: no container, no mount left', async () => {
      const ctx = write(fs.mkdtempSync(path.join(tmp, 'cancel-')), {
        Dockerfile: `FROM ${img}\nRUN echo started && sleep 60\n`,
      });
      const build = dockerInBackground(d.host, ['build', ctx]);
      await until('the RUN to start', async () => build.stdout().includes('started'));
      const ps = await run(['ps', '-a', '--format', '{{.ID}} {{.Status}}']);
      expect(ps.stdout.trim(), ps.stderr + build.stdout()).not.toBe('');
      build.child.kill('SIGKILL');
      await build.closed;
      await until('the build container to go', async () => (await run(['ps', '-aq'])).stdout.trim() === '');
      await until('the build mounts to go', async () => {
        return !fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(path.join(d.dataRoot, 'build'));
      });
      const tmpDir = path.join(d.dataRoot, 'build', 'tmp');
      await until('the build context to go', async () => fs.readdirSync(tmpDir).length === 0);
    });

    it('an agent killed mid-RUN: the next agent removes the orphaned RUN container and the overlays', async () => {
      // A user container whose image carries the builder's labels is not the builder's to remove.
      const labelled = write(fs.mkdtempSync(path.join(tmp, 'labelled-')), {
        Dockerfile: `FROM ${img}\nLABEL com.berth.build=run com.berth.build.rm=1\n`,
      });
      const built = await run(['build', '-t', 'berth-test/labelled:1', labelled]);
      expect(built.code, built.stderr + built.stdout).toBe(0);
      const created = await run(['create', 'berth-test/labelled:1', 'true']);
      expect(created.code, created.stderr).toBe(0);
      const userId = created.stdout.trim();
      const ctx = write(fs.mkdtempSync(path.join(tmp, 'kill-')), {
        Dockerfile: `FROM ${img}\nCOPY . /ctx\nRUN echo started && sleep 60\n`,
      });
      const build = dockerInBackground(d.host, ['build', ctx]);
      await until('the RUN to start', async () => build.stdout().includes('started'));
      await d.kill9();
      await build.closed;
      d = await startBerthd({ dir: d.dir, args: registryArgs });
      expect((await run(['ps', '-aq', '--no-trunc'])).stdout.trim()).toBe(userId);
      expect((await run(['rm', userId])).code).toBe(0);
      expect(fs.readdirSync(path.join(d.dataRoot, 'build', 'tmp'))).toEqual([]);
    });

    it('rm=false keeps the RUN containers; cache mounts persist until builder prune --all', async () => {
      const ctx = write(fs.mkdtempSync(path.join(tmp, 'keep-')), {
        Dockerfile: `FROM ${img}\nRUN --mount=type=cache,target=/cache echo x >> /cache/log && wc -l < /cache/log > /count\n`,
      });
      const kept = await run(['build', '--rm=false', '--no-cache', '-t', 'berth-test/keep:1', ctx]);
      expect(kept.code, kept.stderr + kept.stdout).toBe(0);
      expect(kept.stdout).not.toMatch(/Removing intermediate container/);
      const ids = (await run(['ps', '-aq', '--filter', 'label=com.berth.build'])).stdout.split('\n').filter(Boolean);
      expect(ids).toHaveLength(1);
      expect((await run(['rm', ...ids])).code).toBe(0);
      expect((await run(['build', '--no-cache', '-t', 'berth-test/keep:1', ctx])).code).toBe(0);
      expect((await run(['run', '--rm', 'berth-test/keep:1', 'cat', '/count'])).stdout.trim()).toBe('2');
      expect((await run(['builder', 'prune', '-af'])).code).toBe(0);
      expect((await run(['build', '--no-cache', '-t', 'berth-test/keep:1', ctx])).code).toBe(0);
      expect((await run(['run', '--rm', 'berth-test/keep:1', 'cat', '/count'])).stdout.trim()).toBe('1');
    });

    it('RUN --mount: bind from the context and a stage, tmpfs; no mount point left in the image', async () => {
      const ctx = write(fs.mkdtempSync(path.join(tmp, 'mounts-')), {
        'data.txt': 'bound\n',
        Dockerfile: [
          `FROM ${img} AS tools`,
          'RUN mkdir /tools && echo tool > /tools/t.txt',
          `FROM ${img}`,
          'RUN --mount=type=bind,source=data.txt,target=/mnt/data.txt --mount=type=bind,from=tools,source=/tools,target=/opt/tools --mount=type=tmpfs,target=/scratch \\',
          '    cat /mnt/data.txt /opt/tools/t.txt > /result && echo tmp > /scratch/x && grep -q " /scratch " /proc/mounts',
          '',
        ].join('\n'),
      });
      const b = await run(['build', '-t', 'berth-test/mounts:1', ctx]);
      expect(b.code, b.stderr + b.stdout).toBe(0);
      const r = await run([
        'run',
        '--rm',
        'berth-test/mounts:1',
        'sh',
        '-c',
        'cat /result; ls -a /mnt /opt /scratch 2>&1; true',
      ]);
      expect(r.stdout).toMatch(/^bound\ntool\n/);
      expect(r.stdout).not.toMatch(/data\.txt|tools|x\n/);
    });

    it('-f outside the context, -q, COPY --from an image, SHELL and RUN --network=none', async () => {
      const ctx = write(fs.mkdtempSync(path.join(tmp, 'ctx-')), { 'data.txt': 'data\n' });
      const dockerfile = path.join(
        write(fs.mkdtempSync(path.join(tmp, 'df-')), {
          'build.Dockerfile': [
            `FROM ${img}`,
            `COPY --from=${img} /bin/busybox /copied-busybox`,
            'COPY data.txt /data.txt',
            'SHELL ["/bin/sh", "-e", "-c"]',
            'RUN --network=none test "$(ls /sys/class/net)" = lo && echo isolated > /net',
            'RUN ls /sys/class/net > /net-default',
            '',
          ].join('\n'),
        }),
        'build.Dockerfile',
      );
      const q = await run(['build', '-q', '-f', dockerfile, '-t', 'berth-test/opts:1', ctx]);
      expect(q.code, q.stderr + q.stdout).toBe(0);
      expect(q.stdout.trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
      const r = await run([
        'run',
        '--rm',
        'berth-test/opts:1',
        'sh',
        '-c',
        'cat /data.txt /net; grep -c eth0 /net-default; test -x /copied-busybox',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('data\nisolated\n1\n');
      const shell = await run(['image', 'inspect', '--format', '{{json .Config.Shell}}', 'berth-test/opts:1']);
      expect(shell.stdout.trim()).toBe('["/bin/sh","-e","-c"]');
    });
    it('FROM scratch: a stage of copied files, used by a later stage; an empty image is refused', async () => {
      const ctx = write(fs.mkdtempSync(path.join(tmp, 'scratch-')), {
        Dockerfile: [
          'FROM scratch AS files',
          'COPY payload.txt /payload/',
          'ENV UNUSED=1',
          `FROM ${img}`,
          'COPY --from=files /payload /from-scratch',
          'RUN cat /from-scratch/payload.txt > /seen',
          '',
        ].join('\n'),
        'payload.txt': 'payload\n',
      });
      const b = await run(['build', '-t', 'berth-test/scratch:1', ctx]);
      expect(b.code, b.stderr + b.stdout).toBe(0);
      expect((await run(['run', '--rm', 'berth-test/scratch:1', 'cat', '/seen'])).stdout).toBe('payload\n');
      const files = await run(['build', '--target', 'files', '-t', 'berth-test/scratch:files', ctx]);
      expect(files.code, files.stderr).toBe(0);
      const layers = await run(['image', 'inspect', '--format', '{{len .RootFS.Layers}}', 'berth-test/scratch:files']);
      expect(layers.stdout.trim()).toBe('1');
      const empty = write(fs.mkdtempSync(path.join(tmp, 'empty-')), { Dockerfile: 'FROM scratch\n' });
      const e = await run(['build', empty]);
      expect(e.code).toBe(1);
      expect(e.stderr + e.stdout).toMatch(/No image was generated/);
    });

    it('FROM an image behind a registry login: the CLI credentials of X-Registry-Config', async () => {
      const alice = { username: 'alice', password: 'wonderland' };
      const registry = await startRegistry({ auth: { kind: 'htpasswd', users: { alice: alice.password } } });
      try {
        const seeded = await seedRegistry(registry, alice);
        const authed = await startBerthd({ args: ['--insecure-registry', registry.host] });
        try {
          const ctx = write(fs.mkdtempSync(path.join(tmp, 'auth-')), {
            Dockerfile: `FROM ${seeded.images.busybox}\nRUN echo authed > /a\n`,
          });
          const anon = await docker(authed.host, ['build', ctx], { timeoutMs: 120_000 });
          expect(anon.code).toBe(1);
          expect(anon.stderr + anon.stdout).toMatch(/unauthorized/);
          const home = fs.mkdtempSync(path.join(tmp, 'home-'));
          fs.mkdirSync(path.join(home, '.docker'));
          const auth = Buffer.from(`${alice.username}:${alice.password}`).toString('base64');
          fs.writeFileSync(
            path.join(home, '.docker', 'config.json'),
            JSON.stringify({ auths: { [registry.host]: { auth } } }),
          );
          const b = await docker(authed.host, ['build', '-t', 'berth-test/authed:1', ctx], {
            timeoutMs: 120_000,
            env: { HOME: home },
          });
          expect(b.code, b.stderr + b.stdout).toBe(0);
          expect(b.stdout).toMatch(/Successfully tagged berth-test\/authed:1/);
        } finally {
          await authed.stop();
          authed.cleanup();
        }
      } finally {
        await registry.stop();
      }
    });
  },
);
