/**
 * Isolation and security defaults (issue 3) and no_new_privs (issue 10): PID namespace, hostname,
 * no way out of the root (/proc/1/root, "..", a chroot escape, symlinked mount targets), mount
 * refused, Docker's masked and read-only paths, capabilities, NoNewPrivs, users, devices.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRoot } from '../support/env';
import { busyboxRootfsDir } from '../support/rootfs';
import { PATH_ENV } from '../support/images';
import { compileStatic } from '../support/cprog';
import { testRuntime, type TestRuntime } from '../support/runtime';

describeRoot(
  'runtime: isolation and security',
  () => {
    let bb: ReturnType<typeof busyboxRootfsDir>;
    let t: TestRuntime;
    let hostDir: string;
    const image = { Env: [PATH_ENV], Cmd: ['sh'] };
    const sh = (script: string, o: Record<string, unknown> = {}) =>
      t.run({ imageConfig: image, cmd: ['sh', '-c', script], ...o });

    beforeAll(async () => {
      bb = busyboxRootfsDir();
      hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-host-'));
      fs.writeFileSync(path.join(hostDir, 'secret'), 'host secret\n');
      compileStatic('chroot-escape', path.join(bb.rootfs, 'bin', 'chroot-escape'));
      const euid = compileStatic('show-euid', path.join(bb.rootfs, 'bin', 'show-euid'));
      fs.chownSync(euid, 0, 0);
      fs.chmodSync(euid, 0o4755);
      // An absolute symlink that points at a host directory, as a hostile image could ship.
      fs.symlinkSync(hostDir, path.join(bb.rootfs, 'evil'));
      t = await testRuntime({ dir: bb.rootfs });
    });
    afterAll(async () => {
      await t?.cleanup();
      bb?.cleanup();
      if (hostDir) fs.rmSync(hostDir, { recursive: true, force: true });
    });

    it('shows only its own processes, with the command as PID 1, and its own hostname', async () => {
      const r = await sh('ps -o pid,comm; hostname; cat /proc/1/cmdline | tr "\\0" " "', { hostname: 'isolated' });
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/PID\s+COMMAND/);
      expect(lines[1]).toMatch(/^\s*1\s+sh$/);
      expect(lines[2]).toMatch(/^\s*\d+\s+ps$/);
      expect(lines[3]).toBe('isolated');
      expect(lines[4]).toContain('sh -c ps -o pid,comm');
      expect(lines).toHaveLength(5);
    });

    it('cannot reach host files: absolute paths, /proc/1/root, "..", a chroot escape', async () => {
      const secret = path.join(hostDir, 'secret');
      const r = await sh(
        [
          `cat ${secret} 2>&1 || echo no-abs`,
          `cat /proc/1/root${secret} 2>&1 || echo no-proc1`,
          `cat /proc/1/root/../../../..${secret} 2>&1 || echo no-dotdot`,
          `cd /../../../..; ls -a | sort | tr "\\n" " "; echo`,
          `ls -a / | sort | tr "\\n" " "; echo`,
          `chroot-escape | sort | tr "\\n" " "; echo`,
        ].join('; '),
      );
      const lines = r.stdout.split('\n');
      expect(r.stdout).not.toContain('host secret');
      expect(r.stdout).toContain('no-abs');
      expect(r.stdout).toContain('no-proc1');
      expect(r.stdout).toContain('no-dotdot');
      const rootListing = lines[lines.length - 3];
      expect(rootListing).toContain('linuxrc');
      expect(lines[lines.length - 4]).toBe(rootListing);
      expect(lines[lines.length - 2]).toBe(rootListing);
    });

    it('keeps a bind mount whose target is a symlink to a host path inside the container', async () => {
      const src = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-src-'));
      try {
        fs.writeFileSync(path.join(src, 'f'), 'from bind\n');
        const r = await sh('cat /evil/inner/f; ls /evil', { binds: [`${src}:/evil/inner:ro`] });
        expect(r.stdout).toBe('from bind\ninner\n');
        // Resolved in the container's root: nothing was created or mounted on the host path.
        expect(fs.existsSync(path.join(hostDir, 'inner'))).toBe(false);
      } finally {
        fs.rmSync(src, { recursive: true, force: true });
      }
    });

    it('refuses mount and umount', async () => {
      const r = await sh('mount -t tmpfs none /tmp 2>&1; echo rc=$?; umount /proc 2>&1; echo rc=$?');
      expect(r.stdout).toMatch(/Operation not permitted|Permission denied/);
      expect(r.stdout).not.toContain('rc=0');
    });

    it('masks and write-protects the paths Docker does', async () => {
      const r = await sh(
        [
          'wc -c < /proc/keys',
          'wc -c < /proc/timer_list',
          'ls /sys/firmware | wc -l',
          'echo 1 > /proc/sys/vm/drop_caches 2>/dev/null && echo sys-writable || echo sys-ro',
          'touch /sys/berth 2>/dev/null && echo sysfs-writable || echo sysfs-ro',
          'mkdir /sys/fs/cgroup/memory/x 2>/dev/null && echo cg-writable || echo cg-ro',
          'grep -c " /proc/bus .*ro," /proc/self/mountinfo',
        ].join('; '),
      );
      expect(r.stdout.trim().split('\n')).toEqual(['0', '0', '0', 'sys-ro', 'sysfs-ro', 'cg-ro', '1']);
    });

    it("has Docker's capabilities and no NoNewPrivs by default; cap-add/cap-drop change them", async () => {
      const status = 'grep -E "^(CapEff|CapBnd|CapPrm|CapInh|NoNewPrivs)" /proc/self/status';
      const def = await sh(status);
      expect(def.stdout).toContain('CapEff:\t00000000a80425fb');
      expect(def.stdout).toContain('CapBnd:\t00000000a80425fb');
      expect(def.stdout).toContain('CapPrm:\t00000000a80425fb');
      expect(def.stdout).toContain('CapInh:\t0000000000000000');
      expect(def.stdout).toContain('NoNewPrivs:\t0');
      const nnp = await sh(status, { securityOpt: ['no-new-privileges:true'] });
      expect(nnp.stdout).toContain('NoNewPrivs:\t1');
      const dropped = await sh(status, { capDrop: ['ALL'], capAdd: ['NET_ADMIN'] });
      expect(dropped.stdout).toContain('CapEff:\t0000000000001000');
      const user = await sh('grep -E "^(Uid|Gid|CapEff)" /proc/self/status', { user: '1000:1000' });
      expect(user.stdout).toMatch(/Uid:\t1000\t1000\t1000\t1000/);
      expect(user.stdout).toMatch(/Gid:\t1000\t1000\t1000\t1000/);
      expect(user.stdout).toContain('CapEff:\t0000000000000000');
    });

    it('lets a setuid-root program gain euid 0 without no-new-privileges, and not with it (issue 10)', async () => {
      const plain = await t.run({ imageConfig: image, cmd: ['show-euid'], user: '1000' });
      expect(plain.stdout).toBe('uid=1000 euid=0\n');
      const nnp = await t.run({
        imageConfig: image,
        cmd: ['show-euid'],
        user: '1000',
        securityOpt: ['no-new-privileges'],
      });
      expect(nnp.stdout).toBe('uid=1000 euid=1000\n');
    });

    it('allows mknod but no access to block devices (v1 devices cgroup)', async () => {
      const r = await sh(
        'mknod /tmp/disk b 8 0 && echo made; head -c 1 /tmp/disk >/dev/null 2>&1 && echo opened || echo denied; echo ok > /dev/null && echo null-ok',
      );
      expect(r.stdout).toBe(t.rt.cgroups.version === 1 ? 'made\ndenied\nnull-ok\n' : 'denied\nnull-ok\n');
    });

    it('makes the root read-only on request, with tmpfs and bind mounts rw/ro', async () => {
      const src = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bind-'));
      try {
        const r = await sh(
          'touch /x 2>/dev/null || echo root-ro; echo hi > /run/f && cat /run/f; echo w > /rw/f && echo rw-ok; echo w > /ro/f 2>/dev/null || echo ro-ro; grep " /run " /proc/self/mountinfo | grep -c "nosuid,nodev,noexec"',
          { readonlyRootfs: true, tmpfs: { '/run': 'size=1m' }, binds: [`${src}:/rw`, `${src}:/ro:ro`] },
        );
        expect(r.stdout).toBe('root-ro\nhi\nrw-ok\nro-ro\n1\n');
        expect(fs.readFileSync(path.join(src, 'f'), 'utf8')).toBe('w\n');
      } finally {
        fs.rmSync(src, { recursive: true, force: true });
      }
    });

    it('gives the container a fresh /dev, lo up, and its own /etc/hosts, /etc/hostname, /etc/resolv.conf', async () => {
      const r = await sh(
        'ls /dev | tr "\\n" " "; echo; cat /etc/hostname; grep -c localhost /etc/hosts; ip -o link | grep -c "lo:.*UP"; ip -o link | wc -l',
        {
          hostname: 'etcbox',
        },
      );
      expect(r.stdout.split('\n')[0]!.trim()).toBe(
        'core fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero',
      );
      expect(r.stdout.split('\n').slice(1)).toEqual(['etcbox', '2', '1', '1', '']);
    });

    it('uses a unique id-derived hostname by default', async () => {
      const r = await sh('hostname');
      expect(r.stdout.trim()).toBe(r.id.slice(0, 12));
    });
  },
  ['gcc'],
);
