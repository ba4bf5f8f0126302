/**
 * Restart policies through the docker CLI (issue 5): `--restart always` and `unless-stopped`
 * bring containers back after the agent was killed with kill -9 and started again (also when a
 * container died while no agent was there), `on-failure:2` restarts exactly twice, and
 * `docker stop` ends an `always` container for good while the agent runs.
 */
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startCliAgent, type CliAgent } from '../support/cli-agent';
import { describeIf } from '../support/env';

describeIf(
  'restart policies with the docker CLI',
  { root: true, commands: ['docker-registry', 'skopeo', '/usr/local/bin/docker'] },
  () => {
    let a: CliAgent;
    const state = (c: string) => a.ok(['inspect', '--format', '{{.State.Status}} {{.RestartCount}}', c]);
    async function until(c: string, want: RegExp, timeoutMs = 10_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = await state(c);
        if (want.test(s) || Date.now() > deadline) return s;
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    beforeAll(async () => {
      a = await startCliAgent(inject('fixtureRegistry')!);
    });
    afterAll(async () => {
      await a?.close();
    });

    it('on-failure:2 restarts a failing container exactly twice, then leaves it exited', async () => {
      await a.ok([
        'run',
        '-d',
        '--name',
        'flaky',
        '--restart',
        'on-failure:2',
        a.img,
        'sh',
        '-c',
        'echo attempt; exit 3',
      ]);
      expect(await until('flaky', /^exited 2$/)).toBe('exited 2');
      await new Promise((r) => setTimeout(r, 1500)); // past the next back-off step: no third restart
      expect(await state('flaky')).toBe('exited 2');
      expect(
        await a.ok([
          'inspect',
          '--format',
          '{{.State.ExitCode}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}',
          'flaky',
        ]),
      ).toBe('3 2');
      expect((await a.ok(['logs', 'flaky'])).split('\n')).toEqual(['attempt', 'attempt', 'attempt']);
      // a clean exit is not a failure: no restart
      await a.ok(['run', '-d', '--name', 'clean', '--restart', 'on-failure:2', a.img, 'true']);
      expect(await until('clean', /^exited/)).toBe('exited 0');
      await new Promise((r) => setTimeout(r, 500));
      expect(await state('clean')).toBe('exited 0');
      await a.ok(['rm', 'flaky', 'clean']);
    });

    it('always restarts an exiting container until docker stop, which it respects', async () => {
      await a.ok(['run', '-d', '--name', 'looper', '--restart', 'always', a.img, 'sh', '-c', 'sleep 0.2; exit 0']);
      expect(await until('looper', /^\w+ [2-9]$/)).toMatch(/^\w+ [2-9]$/);
      await a.ok(['stop', '-t', '1', 'looper']);
      const stopped = await state('looper');
      expect(stopped).toMatch(/^exited \d+$/);
      await new Promise((r) => setTimeout(r, 1000));
      expect(await state('looper')).toBe(stopped);
      await a.ok(['rm', 'looper']);
    });

    it('brings always and unless-stopped containers back after the agent is killed with kill -9', async () => {
      const run = (name: string, policy: string) =>
        a.ok(['run', '-d', '--name', name, '--restart', policy, a.img, 'sleep', '300']);
      await run('keeper', 'always');
      await run('survivor', 'unless-stopped');
      await run('dies-alone', 'always');
      await run('stopped-always', 'always');
      await run('stopped-unless', 'unless-stopped');
      await run('no-policy', 'no');
      await a.ok(['stop', '-t', '0', 'stopped-always', 'stopped-unless']);
      const pidOf = async (c: string) => Number(await a.ok(['inspect', '--format', '{{.State.Pid}}', c]));
      const keeperPid = await pidOf('keeper');
      const lonePid = await pidOf('dies-alone');
      const noPolicyPid = await pidOf('no-policy');
      expect(keeperPid).toBeGreaterThan(0);

      await a.d.kill9();
      // While no agent runs, two containers die (as on a crash of the host's processes).
      process.kill(lonePid, 'SIGKILL');
      process.kill(noPolicyPid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      await a.restartAfterKill9();

      // still the same process: the container ran on without the agent
      expect(await state('keeper')).toBe('running 0');
      expect(await pidOf('keeper')).toBe(keeperPid);
      expect(await state('survivor')).toBe('running 0');
      // died meanwhile, policy always: started again by the new agent
      expect(await until('dies-alone', /^running/)).toMatch(/^running/);
      expect(await pidOf('dies-alone')).not.toBe(lonePid);
      // Docker's rule: always comes back on a daemon start even when stopped by the user; unless-stopped not
      expect(await until('stopped-always', /^running/)).toMatch(/^running/);
      expect(await state('stopped-unless')).toMatch(/^exited/);
      expect(await state('no-policy')).toMatch(/^exited/);
      expect(await a.ok(['inspect', '--format', '{{.State.ExitCode}}', 'no-policy'])).toBe('137');
      // the revived container works: exec into it
      expect(await a.ok(['exec', 'dies-alone', 'echo', 'alive'])).toBe('alive');
    });
  },
);
