/**
 * Network modes and the NetworkHook seam: "none" (own netns, lo up, no hook), "host" (the host's
 * netns), "container:<id>" (that container's netns), and "bridge" (own netns; the hook runs with
 * the init's pid before the command, can rewrite /etc/hosts and resolv.conf, and is told when
 * the container stops and when it is removed). A hook failure fails the start and cleans up.
 */
import fs from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRoot } from '../support/env';
import { busyboxRootfsDir } from '../support/rootfs';
import { PATH_ENV } from '../support/images';
import { testRuntime, type TestRuntime } from '../support/runtime';
import { hostTraces } from '../support/host-traces';
import type { NetworkHook } from '../../runtime-agent/src/runtime/network-hook';

describeRoot('runtime: network modes and hook', () => {
  let bb: ReturnType<typeof busyboxRootfsDir>;
  let t: TestRuntime;
  const calls: string[] = [];
  let failNext = false;
  const hook: NetworkHook = {
    async attach(ctx) {
      // The namespace is the init's own, already there, and the command has not run yet.
      const own = fs.readlinkSync(ctx.netnsPath);
      calls.push(`attach ${ctx.containerName} ${ctx.networkMode} ${own !== fs.readlinkSync('/proc/self/ns/net')}`);
      if (failNext) {
        failNext = false;
        throw new Error('no address left');
      }
      return { etcHosts: `127.0.0.1\tlocalhost\n10.9.8.7\t${ctx.hostname}\n`, resolvConf: 'nameserver 10.9.8.1\n' };
    },
    async detach(ctx) {
      calls.push(`detach ${ctx.networkMode} removing=${ctx.removing}`);
    },
  };
  const image = { Env: [PATH_ENV] };

  beforeAll(async () => {
    bb = busyboxRootfsDir();
    t = await testRuntime({ dir: bb.rootfs }, { network: hook });
  });
  afterAll(async () => {
    await t?.cleanup();
    bb?.cleanup();
  });

  it('calls the hook for bridge mode before the command runs and on stop and remove', async () => {
    const r = await t.run({
      name: 'web',
      networkMode: 'bridge',
      hostname: 'web1',
      imageConfig: image,
      cmd: ['sh', '-c', 'grep web1 /etc/hosts; cat /etc/resolv.conf'],
    });
    expect(r.stdout).toBe('10.9.8.7\tweb1\nnameserver 10.9.8.1\n');
    expect(calls).toEqual(['attach web bridge true', 'detach bridge removing=false']);
    await t.rt.remove(r.id);
    expect(calls.at(-1)).toBe('detach bridge removing=true');
  });

  it('does not call the hook for none, host and container:<id>; shares namespaces as asked', async () => {
    calls.length = 0;
    const hostNs = fs.readlinkSync('/proc/self/ns/net');
    const none = await t.run({ networkMode: 'none', imageConfig: image, cmd: ['readlink', '/proc/self/ns/net'] });
    expect(none.stdout.trim()).not.toBe(hostNs);
    const host = await t.run({
      networkMode: 'host',
      imageConfig: image,
      cmd: ['sh', '-c', 'readlink /proc/self/ns/net; hostname'],
    });
    expect(host.stdout).toBe(`${hostNs}\n${os.hostname()}\n`);
    const peer = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      networkMode: 'none',
      imageConfig: image,
      cmd: ['sleep', '100'],
      name: 'peer',
    });
    await t.rt.start(peer.id);
    const peerNs = fs.readlinkSync(`/proc/${t.rt.inspect(peer.id).state.pid}/ns/net`);
    const joined = await t.run({
      networkMode: 'container:peer',
      imageConfig: image,
      cmd: ['readlink', '/proc/self/ns/net'],
    });
    expect(joined.stdout.trim()).toBe(peerNs);
    expect(t.rt.inspect(joined.id).spec.networkMode).toBe(`container:${peer.id}`);
    await t.rt.remove(peer.id, { force: true });
    await expect(t.rt.start(joined.id)).rejects.toMatchObject({ kind: 'NotFound' });
    expect(calls).toEqual([]);
  });

  it('fails the start when the hook fails and leaves nothing behind', async () => {
    calls.length = 0;
    const before = hostTraces(t.cgroupParent);
    const c = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      networkMode: 'bridge',
      imageConfig: image,
      cmd: ['true'],
    });
    failNext = true;
    await expect(t.rt.start(c.id)).rejects.toThrow(/no address left/);
    expect(t.rt.inspect(c.id).state.status).toBe('created');
    expect(calls).toEqual(['attach ' + c.name + ' bridge true', 'detach bridge removing=false']);
    expect(hostTraces(t.cgroupParent)).toEqual(before);
    await t.rt.start(c.id);
    expect(await t.rt.wait(c.id)).toBe(0);
  });
});
