/**
 * A throw-away Unix user for SSH tests (password, optional sudo rule), with its home in a temp
 * dir. The name is random per test; remove() ends the user's processes (by pid), deletes the
 * user, its sudoers rule and its home.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  password: string;
  remove(): Promise<void>;
}

function pidsOf(uid: number): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (fs.statSync(`/proc/${e}`).uid === uid) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}

export function createTestUser(opts: { sudo?: 'nopasswd' | 'password' } = {}): TestUser {
  const name = `bt${crypto.randomBytes(4).toString('hex')}`;
  const password = `pw-${crypto.randomBytes(6).toString('hex')}`;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-user-'));
  fs.chmodSync(base, 0o755);
  const home = path.join(base, name);
  execFileSync('useradd', ['-M', '-U', '-d', home, '-s', '/bin/sh', name], { stdio: 'pipe' });
  const uid = Number(execFileSync('id', ['-u', name]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', name]).toString().trim());
  fs.mkdirSync(home, { mode: 0o755 });
  fs.chownSync(home, uid, gid);
  execFileSync('chpasswd', [], { input: `${name}:${password}\n`, stdio: ['pipe', 'pipe', 'pipe'] });
  const sudoers = `/etc/sudoers.d/berth-test-${name}`;
  if (opts.sudo) {
    const rule = opts.sudo === 'nopasswd' ? `${name} ALL=(root) NOPASSWD: ALL\n` : `${name} ALL=(root) ALL\n`;
    fs.writeFileSync(sudoers, rule, { mode: 0o440 });
    execFileSync('visudo', ['-c', '-q', '-f', sudoers], { stdio: 'pipe' });
  }
  return {
    name,
    uid,
    gid,
    home,
    password,
    async remove() {
      for (let i = 0; i < 50; i++) {
        const pids = pidsOf(uid);
        if (!pids.length) break;
        for (const pid of pids) {
          try {
            process.kill(pid, i < 10 ? 'SIGTERM' : 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      fs.rmSync(sudoers, { force: true });
      try {
        execFileSync('userdel', [name], { stdio: 'pipe' });
      } catch {
        /* already gone */
      }
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}
