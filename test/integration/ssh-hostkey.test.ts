/**
 * Host keys against a real sshd: a new key is asked about once and recorded (OpenSSH's own client
 * then accepts the file); a refused key stops the connection; a changed key is refused without a
 * question, naming both fingerprints; hashed entries are understood; @revoked keys are refused.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createConnection } from '../../electron/src/connections/factory';
import type { AgentConnection, ConnectionPrompter } from '../../electron/src/connections/types';
import { startBerthd, type BerthdHandle } from '../support/berthd';
import { describeRoot } from '../support/env';
import { recordingPrompter } from '../support/remote-agent';
import { makeKey, startSshd, type SshdHandle } from '../support/sshd';

function fingerprint(pubLine: string): string {
  return execFileSync('ssh-keygen', ['-lf', '-'], { input: pubLine + '\n' })
    .toString()
    .split(' ')[1]!;
}

describeRoot(
  'ssh: host keys',
  () => {
    let sshd: SshdHandle;
    let engine: BerthdHandle;
    let dir: string;
    let key: { privateKey: string; publicLine: string };
    const conns: AgentConnection[] = [];

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-hostkey-'));
      engine = await startBerthd({ logLevel: 'info' });
      // Host keys live in the test's dir, so the server can be restarted with the same ones.
      sshd = await startSshd({ hostKeys: ['ed25519'], hostKeyDir: dir });
      key = makeKey(dir, 'ed25519');
      sshd.authorize('root', key.publicLine);
    });
    afterAll(async () => {
      await Promise.all(conns.map((c) => c.close()));
      await sshd?.stop();
      sshd?.cleanup();
      await engine?.stop();
      engine?.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    function connect(knownHosts: string, prompter: ConnectionPrompter, port = sshd.port): AgentConnection {
      const c = createConnection(
        `hk-${conns.length}`,
        {
          kind: 'ssh',
          host: '127.0.0.1',
          port,
          username: 'root',
          auth: { method: 'key', privateKeyPath: key.privateKey },
          knownHostsPath: knownHosts,
          remoteSocket: engine.socket,
          reconnect: { maxAttempts: 0 },
        },
        { prompter },
      );
      conns.push(c);
      return c;
    }

    it('asks about a new host key once, records it, and OpenSSH accepts the record', async () => {
      const kh = path.join(dir, 'kh-new');
      const prompter = recordingPrompter();
      const c1 = connect(kh, prompter);
      await c1.connect();
      await c1.close();
      expect(prompter.hostKeyQuestions).toEqual([
        {
          host: '127.0.0.1',
          port: sshd.port,
          keyType: 'ssh-ed25519',
          fingerprintSha256: fingerprint(sshd.hostPublicKeys[0]!),
        },
      ]);
      expect(fs.readFileSync(kh, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostPublicKeys[0]}\n`);
      expect(fs.statSync(kh).mode & 0o777).toBe(0o600);

      const c2 = connect(kh, prompter);
      await c2.connect();
      await c2.close();
      expect(prompter.hostKeyQuestions).toHaveLength(1);

      const ssh = spawnSync('ssh', [
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        `UserKnownHostsFile=${kh}`,
        '-i',
        key.privateKey,
        '-p',
        String(sshd.port),
        'root@127.0.0.1',
        'true',
      ]);
      expect(ssh.status, ssh.stderr.toString()).toBe(0);
    });

    it('stops when the user does not trust a new key, recording nothing', async () => {
      const kh = path.join(dir, 'kh-refused');
      const c = connect(kh, recordingPrompter({ trust: false }));
      await expect(c.connect()).rejects.toMatchObject({ code: 'HostKeyUnknownRejected' });
      expect(fs.existsSync(kh)).toBe(false);
      expect(c.state).toMatchObject({ status: 'failed', error: { code: 'HostKeyUnknownRejected' } });
    });

    it('refuses a changed host key without asking, naming both fingerprints', async () => {
      const kh = path.join(dir, 'kh-changed');
      const other = makeKey(dir, 'ed25519', { name: 'other_host_key' });
      const recorded = other.publicLine.split(' ').slice(0, 2).join(' ');
      fs.writeFileSync(kh, `# an old record\n[127.0.0.1]:${sshd.port} ${recorded}\n`);
      const prompter = recordingPrompter();
      const c = connect(kh, prompter);
      const err = (await c.connect().catch((e: unknown) => e)) as { code: string; message: string };
      expect(err.code).toBe('HostKeyChanged');
      expect(err.message).toContain(fingerprint(sshd.hostPublicKeys[0]!));
      expect(err.message).toContain(fingerprint(recorded));
      expect(err.message).toContain(`${kh}`);
      expect(err.message).toContain('line 2');
      expect(prompter.hostKeyQuestions).toEqual([]);
      expect(fs.readFileSync(kh, 'utf8')).toBe(`# an old record\n[127.0.0.1]:${sshd.port} ${recorded}\n`);
      expect(c.state).toMatchObject({ status: 'failed', error: { code: 'HostKeyChanged' } });
    });

    it('refuses the key after the server is reinstalled with new host keys', async () => {
      const kh = path.join(dir, 'kh-reinstalled');
      const first = connect(kh, recordingPrompter());
      await first.connect();
      await first.close();
      // Same port, new host key: what a man in the middle (or a reinstalled server) looks like.
      const port = sshd.port;
      await sshd.stop();
      sshd.cleanup();
      const again = await startSshd({ hostKeys: ['ed25519'], port });
      again.authorize('root', key.publicLine);
      try {
        const c = connect(kh, recordingPrompter(), port);
        await expect(c.connect()).rejects.toMatchObject({ code: 'HostKeyChanged' });
      } finally {
        await again.stop();
        again.cleanup();
        sshd = await startSshd({ hostKeys: ['ed25519'], hostKeyDir: dir, port });
        sshd.authorize('root', key.publicLine);
      }
    });

    it('understands hashed known_hosts entries (ssh-keygen -H)', async () => {
      const kh = path.join(dir, 'kh-hashed');
      fs.writeFileSync(kh, `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKeys[0]}\n`);
      execFileSync('ssh-keygen', ['-q', '-H', '-f', kh], { stdio: 'pipe' });
      expect(fs.readFileSync(kh, 'utf8')).toMatch(/^\|1\|/);
      const prompter = recordingPrompter();
      const c = connect(kh, prompter);
      await c.connect();
      await c.close();
      expect(prompter.hostKeyQuestions).toEqual([]);
    });

    it('refuses a key marked @revoked', async () => {
      const kh = path.join(dir, 'kh-revoked');
      fs.writeFileSync(kh, `@revoked * ${sshd.hostPublicKeys[0]}\n`);
      const prompter = recordingPrompter();
      const c = connect(kh, prompter);
      await expect(c.connect()).rejects.toMatchObject({
        code: 'HostKeyChanged',
        message: expect.stringMatching(/@revoked/),
      });
      expect(prompter.hostKeyQuestions).toEqual([]);
    });
  },
  ['sshd', 'ssh-keygen', 'ssh'],
);
