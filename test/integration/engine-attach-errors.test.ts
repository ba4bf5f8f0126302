/**
 * Attach with detach keys and bad input through the docker CLI (issue 5): ctrl-p ctrl-q (and
 * --detach-keys) leave `docker run -it` and `docker attach` with the container still running;
 * unknown containers and images, invalid names, policies and states give Docker's messages and
 * exit codes; malformed requests and clients that vanish mid-stream leave the agent healthy.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { request } from '../support/berthd';
import { startCliAgent, type CliAgent } from '../support/cli-agent';
import { DOCKER } from '../support/docker-cli';
import { describeIf } from '../support/env';
import { runInPty } from '../support/pty-run';

const CTRL_P = '\x10';
const CTRL_Q = '\x11';

describeIf(
  'attach, detach keys and bad input with the docker CLI',
  { root: true, commands: ['docker-registry', 'skopeo', 'script', '/usr/local/bin/docker'] },
  () => {
    let a: CliAgent;
    let regHost: string;
    const status = (c: string) => a.ok(['inspect', '--format', '{{.State.Status}}', c]);

    beforeAll(async () => {
      const reg = inject('fixtureRegistry')!;
      regHost = reg.host;
      a = await startCliAgent(reg);
    });
    afterAll(async () => {
      await a?.close();
    });

    it('detaches from run -it and attach with ctrl-p ctrl-q, leaving the container running', async () => {
      const run = await runInPty(
        ['docker', '-H', a.d.host, 'run', '-it', '--name', 'stay', a.img, 'sh'],
        ['echo first-$((20+1))\n', CTRL_P, CTRL_Q],
      );
      expect(run.output).toMatch(/first-21/);
      expect(run.code).toBe(0);
      expect(await status('stay')).toBe('running');

      const att = await runInPty(
        ['docker', '-H', a.d.host, 'attach', 'stay'],
        ['\n', 'echo again-$((40+2)) > /tmp/mark\n', 'cat /tmp/mark\n', CTRL_P + CTRL_Q],
      );
      expect(att.output).toMatch(/again-42/);
      // the CLI ends `docker attach` on the escape sequence with this message and exit 1 (as with dockerd)
      expect(att.output).toMatch(/read escape sequence/);
      expect(att.code).toBe(1);
      expect(await status('stay')).toBe('running');
      expect(await a.ok(['exec', 'stay', 'cat', '/tmp/mark'])).toBe('again-42');

      // custom keys; ctrl-p alone is passed on and does not detach
      const custom = await runInPty(
        ['docker', '-H', a.d.host, 'attach', '--detach-keys', 'ctrl-x,x', 'stay'],
        ['\n', CTRL_P, 'echo custom-ok\n', '\x18x'],
      );
      expect(custom.output).toMatch(/custom-ok/);
      expect(custom.output).toMatch(/read escape sequence/);
      expect(await status('stay')).toBe('running');

      // typing exit in an attached shell ends the container, and attach with its code
      const end = await runInPty(['docker', '-H', a.d.host, 'attach', 'stay'], ['\n', 'exit 5\n']);
      expect(end.code).toBe(5);
      expect(await status('stay')).toBe('exited');
      await a.ok(['rm', 'stay']);
    });

    it('names unknown containers the way Docker does, with exit 1', async () => {
      for (const args of [
        ['start', 'ghost'],
        ['logs', 'ghost'],
        ['exec', 'ghost', 'true'],
        ['attach', 'ghost'],
        ['rm', 'ghost'],
        ['kill', 'ghost'],
        ['restart', 'ghost'],
        ['port', 'ghost'],
        ['top', 'ghost'],
        ['pause', 'ghost'],
      ]) {
        const r = await a.run(args);
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stderr, args.join(' ')).toMatch(/No such container: ghost/);
      }
      const wait = await a.run(['wait', 'ghost']);
      expect(wait.code).toBe(1);
      expect(wait.stderr).toMatch(/No such container: ghost/);
    });

    it('refuses unknown images, bad references and invalid settings with exit 125', async () => {
      const noLocal = await a.run(['run', '--pull', 'never', 'berth-test/not-here:1']);
      expect(noLocal.code).toBe(125);
      expect(noLocal.stderr).toMatch(/No such image: berth-test\/not-here:1/);
      const noRemote = await a.run(['run', '--rm', `${regHost}/berth-test/not-there:1`, 'true']);
      expect(noRemote.code).toBe(125);
      expect(noRemote.stderr).toMatch(/Unable to find image/);
      expect(noRemote.stderr).toMatch(/not found|manifest unknown/i);
      const badRef = await request(a.d.socket, 'POST', '/containers/create', { Image: 'Not//Valid::ref' });
      expect(badRef.status).toBe(400);
      expect((badRef.json() as { message: string }).message).toMatch(/invalid reference format/);
      const badName = await a.run(['run', '-d', '--name', 'bad name!', a.img]);
      expect(badName.code).toBe(125);
      expect(badName.stderr).toMatch(/Invalid container name \(bad name!\)/);
      const badPolicy = await a.run(['run', '-d', '--restart', 'bogus', a.img]);
      expect(badPolicy.code).toBe(125);
      expect(badPolicy.stderr).toMatch(/invalid restart policy.*bogus/);
      // docker create reports the same errors with exit 1
      const created = await a.run(['create', '--name', 'bad name!', a.img]);
      expect(created.code).toBe(1);
      expect(created.stderr).toMatch(/Invalid container name/);
      expect(await a.ok(['ps', '-aq'])).toBe('');
    });

    it('refuses operations a container state does not allow with 409-style messages', async () => {
      await a.ok(['create', '--name', 'idle', a.img, 'sleep', '300']);
      const exec = await a.run(['exec', 'idle', 'true']);
      expect(exec.code).toBe(1);
      expect(exec.stderr).toMatch(/is not running/);
      await a.ok(['start', 'idle']);
      const unpause = await a.run(['unpause', 'idle']);
      expect(unpause.code).toBe(1);
      expect(unpause.stderr).toMatch(/is not paused/);
      const rm = await a.run(['rm', 'idle']);
      expect(rm.code).toBe(1);
      expect(rm.stderr).toMatch(/cannot remove a running container|stop the container before removing/i);
      await a.ok(['rm', '-f', 'idle']);
    });

    it('answers malformed requests with 400 and survives clients that vanish mid-stream', async () => {
      const malformed = await request(a.d.socket, 'POST', '/containers/create', '{"Image": ', {
        'Content-Type': 'application/json',
      });
      expect(malformed.status).toBe(400);
      expect(typeof (malformed.json() as { message: unknown }).message).toBe('string');
      const wrongType = await request(a.d.socket, 'POST', '/containers/create', { Image: a.img, Cmd: 5 });
      expect(wrongType.status).toBe(400);
      expect((wrongType.json() as { message: string }).message).toMatch(/Cmd/);
      expect(await a.ok(['ps', '-aq'])).toBe('');

      await a.ok(['run', '-d', '--name', 'chatty', a.img, 'sh', '-c', 'while true; do echo x; sleep 0.05; done']);
      for (const args of [['logs', '-f', 'chatty'], ['stats', 'chatty'], ['attach', 'chatty'], ['events']]) {
        const child = spawn(DOCKER, ['-H', a.d.host, ...args], { stdio: 'ignore' });
        await new Promise((r) => setTimeout(r, 400));
        child.kill('SIGKILL');
        await new Promise((r) => child.once('close', r));
      }
      expect(a.d.child.exitCode).toBeNull();
      expect(await status('chatty')).toBe('running');
      expect(await a.ok(['exec', 'chatty', 'echo', 'still'])).toBe('still');
      await a.ok(['rm', '-f', 'chatty']);
    });
  },
);
