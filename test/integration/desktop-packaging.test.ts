/**
 * Packaging pieces that can be checked here without the Electron binaries: the .deb's systemd unit
 * passes `systemd-analyze verify` (in a scratch root laid out as the .deb installs it, so the
 * ExecStart program exists), and the launcher it runs starts the bundled berthd.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeIf, distDir, repoRoot } from '../support/env';

const unit = path.join(repoRoot, 'build', 'linux', 'berthd.service');
const launcher = path.join(repoRoot, 'build', 'linux', 'berthd');

describeIf('berthd.service', { root: true, commands: ['systemd-analyze', 'mount', 'umount'] }, () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-unit-'));
    // /usr read-only from the host (shell, kill, groupadd, systemd's own units), the rest as the .deb lays it out.
    fs.mkdirSync(path.join(root, 'usr'));
    execFileSync('mount', ['--bind', '/usr', path.join(root, 'usr')]);
    execFileSync('mount', ['-o', 'remount,bind,ro', path.join(root, 'usr')]);
    for (const l of ['bin', 'sbin', 'lib', 'lib64']) fs.symlinkSync(`usr/${l}`, path.join(root, l));
    fs.mkdirSync(path.join(root, 'opt', 'Berth', 'resources', 'bin'), { recursive: true });
    fs.copyFileSync(launcher, path.join(root, 'opt', 'Berth', 'resources', 'bin', 'berthd'));
    fs.mkdirSync(path.join(root, 'etc', 'systemd', 'system'), { recursive: true });
  });
  afterAll(() => {
    if (!root) return;
    spawnSync('umount', [path.join(root, 'usr')]);
    fs.rmSync(root, { recursive: true, force: true });
  });

  const verify = (text: string): { code: number | null; out: string } => {
    fs.writeFileSync(path.join(root, 'etc', 'systemd', 'system', 'berthd.service'), text);
    const r = spawnSync('systemd-analyze', [`--root=${root}`, 'verify', '/etc/systemd/system/berthd.service'], {
      encoding: 'utf8',
    });
    return { code: r.status, out: `${r.stdout}${r.stderr}`.trim() };
  };

  it('passes systemd-analyze verify without a single warning', () => {
    expect(verify(fs.readFileSync(unit, 'utf8'))).toEqual({ code: 0, out: '' });
  });

  it('would catch a broken unit (the check can fail)', () => {
    const good = fs.readFileSync(unit, 'utf8');
    expect(verify(good.replace(/^KillMode=process$/m, 'KillMode=proces')).out).toMatch(/Failed to parse kill mode/);
    expect(verify(good.replace('/opt/Berth/resources/bin/berthd', '/opt/Berth/missing')).code).not.toBe(0);
  });

  it('keeps containers alive across engine restarts and serves the socket for the berth group', () => {
    const text = fs.readFileSync(unit, 'utf8');
    expect(text).toMatch(/^KillMode=process$/m);
    expect(text).toMatch(/^Delegate=yes$/m);
    expect(text).toMatch(/^ExecStart=.* -H unix:\/\/\/run\/berth\/berth\.sock .*--group berth/m);
  });
});

describeIf('the berthd launcher', { commands: ['sh'], files: [path.join(distDir, 'agent', 'berthd.cjs')] }, () => {
  it("runs the bundled berthd with the agent bundle's Node runtime", () => {
    const res = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-res-'));
    try {
      const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
      fs.mkdirSync(path.join(res, 'bin'));
      fs.mkdirSync(path.join(res, 'agent-bundle', `linux-${arch}`), { recursive: true });
      fs.copyFileSync(launcher, path.join(res, 'bin', 'berthd'));
      fs.chmodSync(path.join(res, 'bin', 'berthd'), 0o755);
      fs.symlinkSync(path.join(distDir, 'agent'), path.join(res, 'agent'));
      fs.symlinkSync(process.execPath, path.join(res, 'agent-bundle', `linux-${arch}`, 'node'));
      const r = spawnSync(path.join(res, 'bin', 'berthd'), ['--version'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Berth version \d+\.\d+\.\d+/);
      fs.rmSync(path.join(res, 'agent-bundle'), { recursive: true });
      const none = spawnSync(path.join(res, 'bin', 'berthd'), ['--version'], { encoding: 'utf8' });
      expect(none.status).toBe(127);
      expect(none.stderr).toMatch(/no Node runtime/);
    } finally {
      fs.rmSync(res, { recursive: true, force: true });
    }
  });
});
