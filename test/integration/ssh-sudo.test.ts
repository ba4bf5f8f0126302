/**
 * A non-root login: the bundle goes to ~/.berth-server/<version> (the default for a user) and the
 * agent is started as root through sudo — `sudo -n` when the rule allows it, else with the sudo
 * password asked through the prompter and written to sudo's stdin. The socket is the user's alone.
 * Refusals (wrong password, no sudo rule) are SudoRefused, a failed state, no retry.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundleVersion } from '../support/agent-bundle';
import { describeRoot } from '../support/env';
import { agentPid, recordingPrompter } from '../support/remote-agent';
import { sshFixture, type SshFixture } from '../support/ssh-fixture';
import { createTestUser, type TestUser } from '../support/users';

describeRoot(
  'ssh: non-root user and sudo',
  () => {
    let f: SshFixture;
    const users: TestUser[] = [];
    beforeAll(async () => {
      f = await sshFixture();
    });
    afterAll(async () => {
      await f?.dispose();
      for (const u of users) await u.remove();
    });

    function user(sudo?: 'nopasswd' | 'password'): TestUser {
      const u = createTestUser(sudo ? { sudo } : {});
      users.push(u);
      f.sshd.authorize(u.name, f.key.publicLine);
      return u;
    }

    function placementFor(): { socketPath: string; dataRoot: string; execRoot: string } {
      const p = f.placement();
      return { socketPath: p.socketPath, dataRoot: p.dataRoot, execRoot: p.execRoot };
    }

    it("installs into ~/.berth-server and starts the agent with sudo -n; the socket is the user's", async () => {
      const u = user('nopasswd');
      const agent = placementFor();
      const c = f.connect({ username: u.name, agent });
      const engine = await c.connect();
      expect(engine.version).toBe(bundleVersion);
      const dir = path.join(u.home, '.berth-server', bundleVersion);
      execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: dir });
      expect(fs.statSync(path.join(dir, 'node')).uid).toBe(u.uid);
      const pid = agentPid(agent.socketPath)!;
      expect(fs.statSync(`/proc/${pid}`).uid).toBe(0);
      const sock = fs.statSync(agent.socketPath);
      expect(sock.uid).toBe(u.uid);
      expect(sock.mode & 0o777).toBe(0o660);
      expect((await c.docker().ping()).toString()).toBe('OK');
      expect(f.prompter.secretQuestions).toEqual([]);
      await c.close();
    });

    it('asks for the sudo password when sudo needs one; wrong passwords end in SudoRefused', async () => {
      const u = user('password');
      const agent = placementFor();
      const wrong = recordingPrompter({ secrets: { sudo: ['nope', 'nope', 'nope'] } });
      const c1 = f.connect({ username: u.name, agent }, { prompter: wrong });
      const err = (await c1.connect().catch((e: unknown) => e)) as { code: string; message: string };
      expect(err.code).toBe('SudoRefused');
      expect(err.message).toMatch(/refused the password 3 times/);
      expect(wrong.secretQuestions.map((q) => q.kind)).toEqual(['sudo', 'sudo', 'sudo']);
      expect(c1.state).toMatchObject({ status: 'failed', error: { code: 'SudoRefused' } });
      expect(agentPid(agent.socketPath)).toBeUndefined();

      const right = recordingPrompter({ secrets: { sudo: [u.password] } });
      const c2 = f.connect({ username: u.name, agent }, { prompter: right });
      expect((await c2.connect()).version).toBe(bundleVersion);
      expect(right.secretQuestions).toEqual([
        { kind: 'sudo', prompt: `Password for sudo on ${u.name}@127.0.0.1 (to start the Berth agent as root)` },
      ]);
      expect(c2.lastSetup).toMatchObject({ uploaded: false });
      expect(fs.statSync(agent.socketPath).uid).toBe(u.uid);
      await c2.close();

      // Once it runs, coming back needs no password (the agent is reused, nothing runs as root).
      const again = recordingPrompter();
      const c3 = f.connect({ username: u.name, agent }, { prompter: again });
      await c3.connect();
      expect(c3.lastSetup?.reused).toBe(true);
      expect(again.secretQuestions).toEqual([]);
      await c3.close();
    });

    it('a user without sudo rights gets SudoRefused naming the reason', async () => {
      const u = user();
      // Start from an install already in place (copied from another user's): only sudo is tested.
      const donor = users.find((x) => fs.existsSync(path.join(x.home, '.berth-server', bundleVersion)))!;
      fs.cpSync(path.join(donor.home, '.berth-server'), path.join(u.home, '.berth-server'), { recursive: true });
      execFileSync('chown', ['-R', `${u.uid}:${u.gid}`, path.join(u.home, '.berth-server')]);
      // sudo -n cannot tell "no rule" from "password needed"; with the password it says which.
      const prompter = recordingPrompter({ secrets: { sudo: [u.password] } });
      const c = f.connect({ username: u.name, agent: placementFor() }, { prompter });
      const err = (await c.connect().catch((e: unknown) => e)) as { code: string; message: string };
      expect(err.code).toBe('SudoRefused');
      expect(err.message).toMatch(/is not in the sudoers file/);
      expect(prompter.secretQuestions).toHaveLength(1);
    });
  },
  ['sshd', 'ssh-keygen', 'sudo', 'useradd', 'chpasswd', 'visudo', 'sha256sum'],
);
