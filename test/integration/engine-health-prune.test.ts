/**
 * Health checks and prune commands through the docker CLI (issue 5): --health-cmd turns a
 * container healthy, then unhealthy, visible in docker ps (also as a filter), inspect and
 * events; `docker container prune`, `docker image prune` (dangling, then -a) and
 * `docker volume prune` remove exactly what Docker would.
 */
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startCliAgent, type CliAgent } from '../support/cli-agent';
import { docker } from '../support/docker-cli';
import { describeIf } from '../support/env';

describeIf(
  'health checks and prune with the docker CLI',
  { root: true, commands: ['docker-registry', 'skopeo', '/usr/local/bin/docker'] },
  () => {
    let a: CliAgent;
    const health = (c: string) => a.ok(['inspect', '--format', '{{.State.Health.Status}}', c]);
    async function until(c: string, want: string, timeoutMs = 8000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = await health(c);
        if (s === want || Date.now() > deadline) return s;
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    beforeAll(async () => {
      a = await startCliAgent(inject('fixtureRegistry')!);
    });
    afterAll(async () => {
      await a?.close();
    });

    it('reports starting, healthy and unhealthy in inspect, ps and events', async () => {
      const events = docker(
        a.d.host,
        ['events', '--filter', 'event=health_status', '--format', '{{.Action}} {{.Actor.Attributes.name}}'],
        { timeoutMs: 5000 },
      );
      await a.ok([
        'run',
        '-d',
        '--name',
        'checked',
        '--health-cmd',
        'test -f /tmp/ok && echo fine',
        '--health-interval',
        '200ms',
        '--health-retries',
        '2',
        a.img,
        'sh',
        '-c',
        'touch /tmp/ok; exec sleep 300',
      ]);
      await a.ok([
        'run',
        '-d',
        '--name',
        'slowcheck',
        '--health-cmd',
        'true',
        '--health-interval',
        '1h',
        a.img,
        'sleep',
        '300',
      ]);
      expect(await health('slowcheck')).toBe('starting');
      expect(await a.ok(['ps', '--filter', 'name=slowcheck', '--format', '{{.Status}}'])).toMatch(
        /\(health: starting\)$/,
      );

      expect(await until('checked', 'healthy')).toBe('healthy');
      expect(await a.ok(['ps', '--filter', 'name=checked', '--format', '{{.Status}}'])).toMatch(/^Up .* \(healthy\)$/);
      const log = JSON.parse(await a.ok(['inspect', '--format', '{{json .State.Health.Log}}', 'checked'])) as Array<{
        ExitCode: number;
        Output: string;
      }>;
      expect(log.at(-1)).toMatchObject({ ExitCode: 0, Output: 'fine\n' });

      await a.ok(['exec', 'checked', 'rm', '/tmp/ok']);
      expect(await until('checked', 'unhealthy')).toBe('unhealthy');
      expect(await a.ok(['ps', '--filter', 'health=unhealthy', '--format', '{{.Names}} {{.Status}}'])).toMatch(
        /^checked Up .* \(unhealthy\)$/,
      );
      expect(await a.ok(['ps', '--filter', 'health=healthy', '--format', '{{.Names}}'])).toBe('');
      const failing = JSON.parse(await a.ok(['inspect', '--format', '{{json .State.Health}}', 'checked'])) as {
        FailingStreak: number;
        Log: Array<{ ExitCode: number }>;
      };
      expect(failing.FailingStreak).toBeGreaterThanOrEqual(2);
      expect(failing.Log.at(-1)!.ExitCode).toBe(1);
      expect(failing.Log.length).toBeLessThanOrEqual(5);

      const seen = (await events).stdout.split('\n').filter(Boolean);
      expect(seen).toContain('health_status: healthy checked');
      expect(seen).toContain('health_status: unhealthy checked');
      expect(seen.indexOf('health_status: healthy checked')).toBeLessThan(
        seen.indexOf('health_status: unhealthy checked'),
      );
      await a.ok(['rm', '-f', 'checked', 'slowcheck']);
    });

    it('container prune removes stopped containers only, honouring a label filter', async () => {
      const exited = await a.ok(['run', '-d', '--label', 'keep=no', a.img, 'true']);
      const created = await a.ok(['create', '--label', 'keep=no', a.img, 'true']);
      const labelled = await a.ok(['run', '-d', '--label', 'keep=yes', a.img, 'true']);
      const running = await a.ok(['run', '-d', '--label', 'keep=no', a.img, 'sleep', '300']);
      await a.ok(['wait', exited, labelled]);
      const out = await a.ok(['container', 'prune', '-f', '--filter', 'label=keep=no']);
      expect(out).toMatch(/^Deleted Containers:\n/);
      expect(out).toContain(exited);
      expect(out).toContain(created);
      expect(out).not.toContain(labelled);
      expect(out).not.toContain(running);
      expect(out).toMatch(/Total reclaimed space: /);
      const left = (await a.ok(['ps', '-a', '-q', '--no-trunc'])).split('\n').sort();
      expect(left).toEqual([labelled, running].sort());
      expect(await a.ok(['container', 'prune', '-f'])).not.toContain(running);
      expect(await a.ok(['ps', '-a', '-q', '--no-trunc'])).toBe(running);
      await a.ok(['rm', '-f', running]);
    });

    it('image prune removes dangling images, and with -a every image no container uses', async () => {
      await a.ok(['run', '--name', 'base', a.img, 'sh', '-c', 'echo one > /f']);
      const first = await a.ok(['commit', 'base', 'berth-test/pruned:1']);
      const second = await a.ok(['commit', 'base', 'berth-test/pruned:1']); // the first is now dangling
      expect(second).not.toBe(first);
      expect(await a.ok(['images', '-q', '--no-trunc', '--filter', 'dangling=true'])).toBe(first);
      const out = await a.ok(['image', 'prune', '-f']);
      expect(out).toMatch(/^Deleted Images:\n/);
      expect(out).toContain(`deleted: ${first}`);
      expect(out).not.toContain(second);
      expect(await a.ok(['images', '-q', '--filter', 'dangling=true'])).toBe('');
      expect(await a.ok(['image', 'prune', '-f'])).toBe('Total reclaimed space: 0B');

      // -a: berth-test/pruned:1 goes (no container), busybox stays (the container "base" uses it)
      const all = await a.ok(['image', 'prune', '-a', '-f']);
      expect(all).toContain('untagged: berth-test/pruned:1');
      expect(all).toContain(`deleted: ${second}`);
      expect(await a.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).toBe(a.img);
      await a.ok(['rm', 'base']);
    });

    it('volume prune keeps volumes a container uses until the container is pruned', async () => {
      await a.ok(['run', '--name', 'anonuser', '-v', '/data', a.img, 'sh', '-c', 'echo x > /data/x']);
      const vol = await a.ok(['inspect', '--format', '{{(index .Mounts 0).Name}}', 'anonuser']);
      expect(vol).toMatch(/^[0-9a-f]{64}$/);
      expect(await a.ok(['volume', 'prune', '-f'])).not.toContain(vol);
      expect(await a.ok(['volume', 'ls', '-q'])).toBe(vol);
      await a.ok(['container', 'prune', '-f']);
      const out = await a.ok(['volume', 'prune', '-f']);
      expect(out).toMatch(/^Deleted Volumes:\n/);
      expect(out).toContain(vol);
      expect(await a.ok(['volume', 'ls', '-q'])).toBe('');
    });
  },
);
