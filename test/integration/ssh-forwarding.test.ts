/**
 * When sshd forbids stream-local forwarding (AllowStreamLocalForwarding no, or AllowTcpForwarding
 * no, which blocks it too), the connection falls back to `berthd dial-stdio` over exec channels:
 * the agent is still installed, started and reached, keep-alive pools the channels, and a second
 * connect reuses the agent.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundleVersion } from '../support/agent-bundle';
import { describeRoot } from '../support/env';
import { agentPid, type Placement } from '../support/remote-agent';
import { sshFixture, type SshFixture } from '../support/ssh-fixture';

for (const rule of ['AllowStreamLocalForwarding no', 'AllowTcpForwarding no']) {
  describeRoot(
    `ssh: ${rule}`,
    () => {
      let f: SshFixture;
      let p: Placement;
      beforeAll(async () => {
        f = await sshFixture({ config: [rule], lightShell: true });
        p = f.placement();
      });
      afterAll(async () => {
        await f?.dispose();
      });

      it('falls back to berthd dial-stdio over exec channels', async () => {
        const conn = f.connect({ agent: p });
        const engine = await conn.connect();
        expect(engine).toMatchObject({ flavour: 'berth', version: bundleVersion });
        expect(conn.info().transport).toBe('ssh dial-stdio');
        // sshd did refuse the forwarding we asked for first.
        expect(f.sshd.log()).toMatch(/refused|denied|prohibited/i);
        const docker = conn.docker();
        expect((await docker.ping()).toString()).toBe('OK');
        expect((await docker.info()).DockerRootDir).toBe(p.dataRoot);
        // Parallel requests queue on the capped pool of exec channels and all succeed.
        const all = await Promise.all(Array.from({ length: 12 }, () => docker.version()));
        expect(all.every((v) => v.Version === bundleVersion)).toBe(true);
        expect(conn.info().pooledConnections).toBeLessThanOrEqual(5);
        // Keep-alive: sequential requests reuse an open channel instead of a new exec each.
        const before = (f.sshd.log().match(/Starting session: command/g) ?? []).length;
        for (let i = 0; i < 10; i++) await docker.ping();
        const after = (f.sshd.log().match(/Starting session: command/g) ?? []).length;
        expect(after - before).toBeLessThanOrEqual(1);
        await conn.close();
      });

      it('a second connect reuses the running agent through dial-stdio', async () => {
        const pid = agentPid(p.socketPath);
        const conn = f.connect({ agent: p });
        await conn.connect();
        expect(conn.lastSetup).toEqual({ reused: true, uploaded: false, transport: 'ssh dial-stdio' });
        expect(agentPid(p.socketPath)).toBe(pid);
        expect((await conn.docker().ping()).toString()).toBe('OK');
        await conn.close();
      });
    },
    ['sshd', 'ssh-keygen', 'sha256sum'],
  );
}
