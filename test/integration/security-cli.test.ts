/**
 * Security options through the docker CLI (issue 10): no_new_privs off by default and on with
 * --security-opt no-new-privileges (also in an exec), a setuid-root program in an image gains
 * euid 0 only without it, unsupported options are refused naming them, and `docker info` lists
 * what Berth enforces.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startCliAgent, type CliAgent } from '../support/cli-agent';
import { compileStatic } from '../support/cprog';
import { describeIf } from '../support/env';

const NNP = 'grep NoNewPrivs /proc/self/status';

describeIf(
  'security options with the docker CLI',
  { root: true, commands: ['docker-registry', 'skopeo', 'gcc', '/usr/local/bin/docker'] },
  () => {
    let a: CliAgent;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sec-'));

    beforeAll(async () => {
      a = await startCliAgent(inject('fixtureRegistry')!);
    });
    afterAll(async () => {
      await a?.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('leaves NoNewPrivs at 0 by default and sets it with the option, for the command and for exec', async () => {
      expect(await a.ok(['run', '--rm', a.img, 'sh', '-c', NNP])).toBe('NoNewPrivs:\t0');
      for (const opt of ['no-new-privileges', 'no-new-privileges:true', 'no-new-privileges=true'])
        expect(await a.ok(['run', '--rm', '--security-opt', opt, a.img, 'sh', '-c', NNP])).toBe('NoNewPrivs:\t1');
      expect(await a.ok(['run', '--rm', '--security-opt', 'no-new-privileges:false', a.img, 'sh', '-c', NNP])).toBe(
        'NoNewPrivs:\t0',
      );
      await a.ok(['run', '-d', '--name', 'nnp', '--security-opt', 'no-new-privileges', a.img, 'sleep', '60']);
      await a.ok(['run', '-d', '--name', 'plain', a.img, 'sleep', '60']);
      expect(await a.ok(['exec', 'nnp', 'sh', '-c', NNP])).toBe('NoNewPrivs:\t1');
      expect(await a.ok(['exec', 'plain', 'sh', '-c', NNP])).toBe('NoNewPrivs:\t0');
      expect(await a.ok(['inspect', '--format', '{{json .HostConfig.SecurityOpt}}', 'nnp'])).toBe(
        '["no-new-privileges"]',
      );
      await a.ok(['rm', '-f', 'nnp', 'plain']);
    });

    it('lets a setuid-root program in an image gain euid 0 under --user 1000 only without the option', async () => {
      const bin = compileStatic('show-euid', path.join(tmp, 'show-euid'));
      fs.chownSync(bin, 0, 0);
      fs.chmodSync(bin, 0o4755);
      await a.ok(['create', '--name', 'suid-src', a.img, 'true']);
      await a.ok(['cp', bin, 'suid-src:/bin/show-euid']);
      await a.ok(['commit', 'suid-src', 'berth-test/setuid:1']);
      await a.ok(['rm', 'suid-src']);
      expect(await a.ok(['run', '--rm', 'berth-test/setuid:1', 'stat', '-c', '%a %u', '/bin/show-euid'])).toBe(
        '4755 0',
      );
      expect(await a.ok(['run', '--rm', '--user', '1000', 'berth-test/setuid:1', 'show-euid'])).toBe('uid=1000 euid=0');
      expect(
        await a.ok([
          'run',
          '--rm',
          '--user',
          '1000',
          '--security-opt',
          'no-new-privileges',
          'berth-test/setuid:1',
          'show-euid',
        ]),
      ).toBe('uid=1000 euid=1000');
      await a.ok(['rmi', 'berth-test/setuid:1']);
    });

    it('refuses unsupported options with exit 125 and a message naming the option, creating nothing', async () => {
      const profile = path.join(tmp, 'profile.json');
      fs.writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW' }));
      const refused: Array<[string, RegExp]> = [
        [`seccomp=${profile}`, /security option "seccomp=\{.*SCMP_ACT_ALLOW.*\}" is not supported/],
        ['apparmor=foo', /security option "apparmor=foo" is not supported/],
        ['label=type:svirt_apache_t', /security option "label=type:svirt_apache_t" is not supported/],
        ['systempaths=unconfined', /security option "systempaths=unconfined" is not supported/],
        ['bogus=1', /invalid --security-opt 2: "bogus=1"/],
      ];
      for (const [opt, message] of refused) {
        const r = await a.run(['run', '--rm', '--security-opt', opt, a.img, 'true']);
        expect(r.code, opt).toBe(125);
        expect(r.stderr, opt).toMatch(message);
      }
      for (const opt of ['seccomp=unconfined', 'apparmor=unconfined'])
        expect((await a.run(['run', '--rm', '--security-opt', opt, a.img, 'true'])).code, opt).toBe(0);
      expect(await a.ok(['ps', '-aq'])).toBe('');
    });

    it('lists the security options in force in docker info, and no seccomp or apparmor', async () => {
      const opts = JSON.parse(await a.ok(['info', '--format', '{{json .SecurityOptions}}'])) as string[];
      expect(opts).toEqual(['name=cgroupns']);
      const info = await a.ok(['info']);
      expect(info).toMatch(/Security Options:\n\s+cgroupns/);
      expect(info).not.toMatch(/seccomp|apparmor|selinux/i);
    });
  },
);
