/**
 * Registry authentication: HTTP basic against a registry with an htpasswd file (credentials from
 * X-Registry-Auth, from the docker CLI's config.json, and from berthd's --registry-auth-file; a
 * wrong password refused clearly), and the bearer-token flow against a registry configured with
 * token auth and a test token issuer (pull, push with a cross-repository mount, token caching).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBerthd, type BerthdHandle } from '../support/berthd';
import { docker } from '../support/docker-cli';
import { describeRoot } from '../support/env';
import { seedRegistry, type SeededRegistry } from '../support/fixtures';
import { apiPull, apiStream, registryAuthHeader } from '../support/image-tools';
import { startRegistry, type TestRegistry } from '../support/registry';
import { skopeoInspect } from '../support/skopeo';
import { startTokenIssuer, type TokenIssuer } from '../support/token-issuer';

const alice = { username: 'alice', password: 'wonderland' };

function dockerConfig(dir: string, host: string, user: { username: string; password: string }): string {
  fs.mkdirSync(path.join(dir, '.docker'), { recursive: true });
  const file = path.join(dir, '.docker', 'config.json');
  const auth = Buffer.from(`${user.username}:${user.password}`).toString('base64');
  fs.writeFileSync(file, JSON.stringify({ auths: { [host]: { auth } } }));
  return file;
}

describeRoot(
  'images: registry authentication',
  () => {
    let tmp: string;
    let d: BerthdHandle;
    beforeAll(async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-auth-'));
      d = await startBerthd();
    });
    afterAll(async () => {
      await d?.stop();
      d?.cleanup();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    describe('basic auth (htpasswd)', () => {
      let registry: TestRegistry;
      let seeded: SeededRegistry;
      beforeAll(async () => {
        registry = await startRegistry({ auth: { kind: 'htpasswd', users: { [alice.username]: alice.password } } });
        seeded = await seedRegistry(registry, alice);
      });
      afterAll(async () => {
        await registry?.stop();
      });

      it('refuses anonymous and wrong-password pulls clearly', async () => {
        const anon = await apiPull(d.socket, seeded.images.busybox);
        expect(anon.error).toMatch(/unauthorized.*needs credentials/);
        const wrong = await apiPull(d.socket, seeded.images.busybox, { auth: { username: 'alice', password: 'nope' } });
        expect(wrong.error).toMatch(/unauthorized: registry 127\.0\.0\.1:\d+ refused the credentials of user "alice"/);
      });

      it('pulls with X-Registry-Auth credentials', async () => {
        const ok = await apiPull(d.socket, seeded.images.busybox, { auth: alice });
        expect(ok.error).toBeUndefined();
        expect(ok.lines.at(-1)?.status).toBe(`Status: Downloaded newer image for ${seeded.images.busybox}`);
      });

      it("uses the docker CLI's config.json (pull and push)", async () => {
        const home = path.join(tmp, 'home-basic');
        dockerConfig(home, registry.host, alice);
        const pull = await docker(d.host, ['pull', seeded.images.multilayer], { env: { HOME: home } });
        expect(pull.code, pull.stderr).toBe(0);
        expect((await docker(d.host, ['tag', seeded.images.multilayer, `${registry.host}/alice/copy:1`])).code).toBe(0);
        const push = await docker(d.host, ['push', `${registry.host}/alice/copy:1`], { env: { HOME: home } });
        expect(push.code, push.stderr).toBe(0);
        const seen = (await skopeoInspect(`docker://${registry.host}/alice/copy:1`, { auth: alice })) as {
          Layers: string[];
        };
        expect(seen.Layers).toHaveLength(3);
        const badHome = path.join(tmp, 'home-bad');
        dockerConfig(badHome, registry.host, { username: 'alice', password: 'bad' });
        const refused = await docker(d.host, ['pull', `${registry.host}/berth-test/multiarch`], {
          env: { HOME: badHome },
        });
        expect(refused.code).not.toBe(0);
        expect(refused.stderr + refused.stdout).toMatch(/refused the credentials of user "alice"/);
      });

      it("reads berthd's --registry-auth-file", async () => {
        const file = dockerConfig(path.join(tmp, 'daemon-auth'), registry.host, alice);
        const d2 = await startBerthd({ args: ['--registry-auth-file', file] });
        try {
          const ok = await apiPull(d2.socket, seeded.images.busybox);
          expect(ok.error).toBeUndefined();
          // The request's credentials win over the file's.
          const wrong = await apiPull(d2.socket, seeded.images.multilayer, {
            auth: { username: 'alice', password: 'x' },
          });
          expect(wrong.error).toMatch(/refused the credentials/);
        } finally {
          await d2.stop();
          d2.cleanup();
        }
      });
    });

    describe('bearer tokens', () => {
      let issuer: TokenIssuer;
      let registry: TestRegistry;
      let seeded: SeededRegistry;
      beforeAll(async () => {
        issuer = await startTokenIssuer({ [alice.username]: alice.password });
        registry = await startRegistry({
          auth: {
            kind: 'token',
            realm: issuer.realm,
            service: issuer.service,
            issuer: issuer.issuer,
            rootCertBundle: issuer.rootCertBundle,
          },
        });
        seeded = await seedRegistry(registry, alice);
      });
      afterAll(async () => {
        await registry?.stop();
        await issuer?.stop();
      });

      it('pulls with a token for the repository scope, and caches it', async () => {
        const anon = await apiPull(d.socket, seeded.images.multilayer);
        expect(anon.error).toMatch(/unauthorized/);
        issuer.requests.length = 0;
        const ok = await apiPull(d.socket, seeded.images.multilayer, { auth: alice });
        expect(ok.error).toBeUndefined();
        const granted = issuer.requests.filter((r) => r.user === 'alice' && r.granted);
        expect(granted.length).toBeGreaterThanOrEqual(1);
        expect(granted[0]!.scopes).toEqual(['repository:berth-test/multilayer:pull']);
        // One manifest, one config and three layers were fetched with at most a token or two.
        expect(issuer.requests.length).toBeLessThanOrEqual(2);
      });

      it('refuses a wrong password at the token server clearly', async () => {
        const wrong = await apiPull(d.socket, seeded.images.busybox, { auth: { username: 'alice', password: 'bad' } });
        expect(wrong.error).toMatch(/token server of 127\.0\.0\.1:\d+ refused the credentials of user "alice"/);
      });

      it('pushes with a pull,push token and mounts blobs across repositories', async () => {
        const target = `${registry.host}/alice/tokened:v1`;
        const tag = await apiStream(
          d.socket,
          'POST',
          `/v1.43/images/${seeded.images.multilayer}/tag?repo=${encodeURIComponent(`${registry.host}/alice/tokened`)}&tag=v1`,
        );
        expect(tag.status).toBe(201);
        issuer.requests.length = 0;
        const push = await apiStream(d.socket, 'POST', `/v1.43/images/${registry.host}/alice/tokened/push?tag=v1`, {
          headers: registryAuthHeader(alice),
        });
        expect(push.lines.find((l) => l.error)).toBeUndefined();
        expect(push.lines.filter((l) => l.status?.startsWith('Mounted from berth-test/multilayer'))).toHaveLength(3);
        expect(issuer.requests.some((r) => r.scopes.includes('repository:alice/tokened:pull,push'))).toBe(true);
        const aux = push.lines.find((l) => l.aux)?.aux as { Digest: string } | undefined;
        const seen = (await skopeoInspect(`docker://${target}`, { auth: alice })) as { Digest: string };
        expect(seen.Digest).toBe(aux?.Digest);
      });
    });
  },
  ['htpasswd', 'openssl', 'skopeo', 'docker-registry'],
);
