/**
 * SSH user authentication against a real sshd, end to end to an engine (a local berthd reached
 * through `remoteSocket`, so no install is needed): ed25519, ECDSA and RSA keys (RSA with
 * rsa-sha2-256/512 only: the server refuses ssh-rsa SHA-1), an encrypted key (passphrase
 * through the prompter), the ssh-agent, password and keyboard-interactive (PAM) through the
 * prompter, and the failures: wrong passphrase, wrong password, unknown key, a cancelled prompt.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createConnection } from '../../electron/src/connections/factory';
import type { AgentConnection, ConnectionPrompter, SshAuthConfig } from '../../electron/src/connections/types';
import { startBerthd, type BerthdHandle } from '../support/berthd';
import { describeRoot } from '../support/env';
import { recordingPrompter } from '../support/remote-agent';
import { makeKey, startSshAgent, startSshd, type SshAgentHandle, type SshdHandle } from '../support/sshd';
import { createTestUser, type TestUser } from '../support/users';

describeRoot(
  'ssh: authentication',
  () => {
    let sshd: SshdHandle;
    let pamSshd: SshdHandle;
    let engine: BerthdHandle;
    let user: TestUser;
    let agent: SshAgentHandle;
    let dir: string;
    const conns: AgentConnection[] = [];

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-auth-'));
      fs.chmodSync(dir, 0o755);
      user = createTestUser();
      // The engine at the other end; its socket's group is the test user's, so both log-ins reach it.
      const engineDir = path.join(dir, 'engine');
      fs.mkdirSync(engineDir, { mode: 0o755 });
      engine = await startBerthd({ dir: engineDir, args: ['--group', String(user.gid)], logLevel: 'info' });
      sshd = await startSshd({
        hostKeys: ['ed25519', 'rsa'],
        // RSA signatures with SHA-2 only: a client that signs with ssh-rsa (SHA-1) is refused.
        config: ['PubkeyAcceptedAlgorithms ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256'],
      });
      pamSshd = await startSshd({
        config: ['UsePAM yes', 'KbdInteractiveAuthentication yes', 'PasswordAuthentication no'],
      });
      agent = await startSshAgent(dir);
    });
    afterAll(async () => {
      await Promise.all(conns.map((c) => c.close()));
      await agent?.stop();
      for (const s of [sshd, pamSshd]) {
        await s?.stop();
        s?.cleanup();
      }
      await engine?.stop();
      await user?.remove();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    function connect(
      auth: SshAuthConfig,
      opts: { username?: string; prompter?: ConnectionPrompter; server?: SshdHandle } = {},
    ): AgentConnection {
      const server = opts.server ?? sshd;
      const c = createConnection(
        `auth-${conns.length}`,
        {
          kind: 'ssh',
          host: '127.0.0.1',
          port: server.port,
          username: opts.username ?? 'root',
          auth,
          knownHostsPath: path.join(dir, 'known_hosts'),
          remoteSocket: engine.socket,
          reconnect: { maxAttempts: 0 },
        },
        { prompter: opts.prompter ?? recordingPrompter() },
      );
      conns.push(c);
      return c;
    }

    async function connectsWith(c: AgentConnection): Promise<void> {
      const e = await c.connect();
      expect(e.flavour).toBe('berth');
      expect((await c.docker().ping()).toString()).toBe('OK');
      await c.close();
    }

    for (const type of ['ed25519', 'ecdsa', 'rsa'] as const) {
      it(`logs in with an ${type} key`, async () => {
        const key = makeKey(dir, type, { name: `id_${type}_plain` });
        sshd.authorize('root', key.publicLine);
        await connectsWith(connect({ method: 'key', privateKeyPath: key.privateKey }));
        const fp = execFileSync('ssh-keygen', ['-lf', key.publicKey]).toString().split(' ')[1]!;
        expect(sshd.log()).toContain(`Accepted publickey for root from 127.0.0.1`);
        expect(sshd.log()).toContain(fp);
      });
    }

    it('the RSA key was accepted with an SHA-2 signature (the server refuses ssh-rsa)', () => {
      // Negative control: OpenSSH's own client, made to sign with SHA-1, is refused by this server.
      const key = path.join(dir, 'id_rsa_plain');
      const r = spawnSync('ssh', [
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        `UserKnownHostsFile=${path.join(dir, 'ssh_kh')}`,
        '-o',
        'PubkeyAcceptedAlgorithms=ssh-rsa',
        '-o',
        'IdentitiesOnly=yes',
        '-i',
        key,
        '-p',
        String(sshd.port),
        'root@127.0.0.1',
        'true',
      ]);
      expect(r.status).not.toBe(0);
      expect(sshd.log()).toMatch(/Accepted publickey for root from 127\.0\.0\.1 port \d+ ssh2: RSA SHA256:/);
    });

    it('asks for the passphrase of an encrypted key (again after a wrong one)', async () => {
      const key = makeKey(dir, 'ed25519', { name: 'id_encrypted', passphrase: 'correct horse' });
      sshd.authorize('root', key.publicLine);
      const prompter = recordingPrompter({ secrets: { passphrase: ['wrong', 'correct horse'] } });
      await connectsWith(connect({ method: 'key', privateKeyPath: key.privateKey }, { prompter }));
      expect(prompter.secretQuestions.map((q) => q.kind)).toEqual(['passphrase', 'passphrase']);
      expect(prompter.secretQuestions[0]!.prompt).toContain(key.privateKey);
    });

    it('fails with AuthFailed after three wrong passphrases', async () => {
      const prompter = recordingPrompter({ secrets: { passphrase: ['a', 'b', 'c'] } });
      const c = connect({ method: 'key', privateKeyPath: path.join(dir, 'id_encrypted') }, { prompter });
      await expect(c.connect()).rejects.toMatchObject({
        code: 'AuthFailed',
        message: expect.stringMatching(/wrong passphrase/),
      });
      expect(prompter.secretQuestions).toHaveLength(3);
      expect(c.state).toMatchObject({ status: 'failed', error: { code: 'AuthFailed' } });
    });

    it('logs in through the ssh-agent (explicit socket and SSH_AUTH_SOCK)', async () => {
      const key = makeKey(dir, 'rsa', { name: 'id_in_agent' });
      sshd.authorize('root', key.publicLine);
      agent.add(key.privateKey);
      await connectsWith(connect({ method: 'agent', agentSocket: agent.socket }));
      const saved = process.env.SSH_AUTH_SOCK;
      process.env.SSH_AUTH_SOCK = agent.socket;
      try {
        await connectsWith(connect({ method: 'agent' }));
      } finally {
        if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
        else process.env.SSH_AUTH_SOCK = saved;
      }
    });

    it('refuses a key the server does not know, naming what was tried', async () => {
      const key = makeKey(dir, 'ed25519', { name: 'id_unknown' });
      const c = connect({ method: 'key', privateKeyPath: key.privateKey });
      await expect(c.connect()).rejects.toMatchObject({
        code: 'AuthFailed',
        message: expect.stringMatching(/root@127\.0\.0\.1: tried key id_unknown \(ssh-ed25519\)/),
      });
    });

    it('logs in with a password from the prompter (a user reaching the engine socket through its group)', async () => {
      const prompter = recordingPrompter({ secrets: { password: [user.password] } });
      await connectsWith(connect({ method: 'password' }, { username: user.name, prompter }));
      expect(prompter.secretQuestions).toEqual([{ kind: 'password', prompt: `Password for ${user.name}@127.0.0.1` }]);
    });

    it('fails with AuthFailed after wrong passwords, and with Cancelled when the prompt is dismissed', async () => {
      const wrong = recordingPrompter({ secrets: { password: ['x', 'y', 'z'] } });
      const c1 = connect({ method: 'password' }, { username: user.name, prompter: wrong });
      await expect(c1.connect()).rejects.toMatchObject({ code: 'AuthFailed' });
      expect(wrong.secretQuestions).toHaveLength(3);
      const dismissed = recordingPrompter();
      const c2 = connect({ method: 'password' }, { username: user.name, prompter: dismissed });
      await expect(c2.connect()).rejects.toMatchObject({ code: 'Cancelled' });
      expect(c2.state).toMatchObject({ status: 'failed', error: { code: 'Cancelled' } });
    });

    it('answers keyboard-interactive prompts (PAM) through the prompter', async () => {
      const prompter = recordingPrompter({ secrets: { 'keyboard-interactive': [user.password] } });
      await connectsWith(
        connect({ method: 'keyboard-interactive' }, { username: user.name, prompter, server: pamSshd }),
      );
      expect(prompter.secretQuestions).toEqual([{ kind: 'keyboard-interactive', prompt: 'Password:' }]);
    });

    it('an unreachable ssh-agent is AuthFailed naming the agent', async () => {
      const c = connect({ method: 'agent', agentSocket: path.join(dir, 'no-agent.sock') });
      await expect(c.connect()).rejects.toMatchObject({
        code: 'AuthFailed',
        message: expect.stringMatching(/ssh-agent: /),
      });
    });

    it('"auto" finds a default key in ~/.ssh, past a stale agent socket', async () => {
      const home = path.join(dir, 'home');
      fs.mkdirSync(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
      const key = makeKey(path.join(home, '.ssh'), 'ed25519');
      sshd.authorize('root', key.publicLine);
      const saved = { HOME: process.env.HOME, SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK };
      process.env.HOME = home;
      // A stale agent socket (a common sight) is passed over, not fatal.
      process.env.SSH_AUTH_SOCK = path.join(dir, 'stale-agent.sock');
      try {
        const prompter = recordingPrompter();
        await connectsWith(connect({ method: 'auto' }, { prompter }));
        expect(prompter.secretQuestions).toEqual([]);
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    });
  },
  ['sshd', 'ssh-keygen', 'ssh-agent', 'ssh-add', 'ssh', 'useradd', 'chpasswd'],
);
