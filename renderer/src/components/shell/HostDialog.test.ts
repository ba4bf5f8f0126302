import { beforeEach, describe, expect, it } from 'vitest';
import { useHostsStore } from '@/stores/hosts';
import { fail, installFakeBridge, type FakeBridge } from '@/testing/fake-bridge';
import { hostSummary } from '@/testing/fixtures';
import { flush, freshPinia, mountWith } from '@/testing/mount';
import HostDialog from './HostDialog.vue';

function control(label: string): HTMLInputElement | HTMLSelectElement {
  const l = [...document.querySelectorAll('label')].find((x) => x.textContent?.trim() === label);
  if (!l) throw new Error(`no label ${label}`);
  return document.getElementById(l.htmlFor) as HTMLInputElement;
}
async function set(label: string, value: string): Promise<void> {
  const c = control(label);
  c.value = value;
  c.dispatchEvent(new Event(c instanceof HTMLSelectElement ? 'change' : 'input'));
  await flush();
}
const errorOf = (label: string): string | undefined => {
  const id = control(label).getAttribute('aria-describedby');
  return id ? (document.getElementById(id)?.textContent ?? undefined) : undefined;
};

describe('Host dialog', () => {
  let bridge: FakeBridge;
  beforeEach(() => {
    document.body.innerHTML = '';
    bridge = installFakeBridge()
      .handle('hosts:list', [])
      .handle('hosts:add', (req) => ({ ...hostSummary('new'), name: req.spec.name, config: req.spec.config }))
      .handle('hosts:connect', hostSummary('new'))
      .handle('hosts:info', { hostId: 'new' } as never);
  });

  const open = async () => {
    const pinia = freshPinia();
    await useHostsStore(pinia).load();
    const w = mountWith(HostDialog, { pinia });
    await flush();
    return w;
  };

  it('checks a local host and adds it, then connects', async () => {
    const w = await open();
    await set('Socket path', '');
    await w.find('form').trigger('submit');
    await flush();
    expect(errorOf('Name')).toBe('Required');
    expect(errorOf('Socket path')).toBe('Required');
    expect(bridge.callsTo('hosts:add')).toEqual([]);
    await set('Name', 'Mine');
    await set('Socket path', 'relative.sock');
    await w.find('form').trigger('submit');
    await flush();
    expect(errorOf('Socket path')).toMatch(/absolute/);
    await set('Socket path', '/run/berth/berth.sock');
    await w.find('form').trigger('submit');
    await flush();
    await flush();
    expect(bridge.callsTo('hosts:add')).toEqual([
      { spec: { name: 'Mine', config: { kind: 'local', socketPath: '/run/berth/berth.sock' }, autoConnect: true } },
    ]);
    expect(bridge.callsTo('hosts:connect')).toEqual([{ id: 'new' }]);
    expect(w.emitted('close')).toHaveLength(1);
    w.unmount();
  });

  it('checks an SSH host (host, port, user, key) and sends key auth', async () => {
    const w = await open();
    await set('Connection', 'ssh');
    await set('Name', 'VM');
    await set('Port', '99999');
    await w.find('form').trigger('submit');
    await flush();
    expect(errorOf('Host')).toBe('Required');
    expect(errorOf('Port')).toMatch(/port/i);
    expect(errorOf('User')).toBe('Required');
    await set('Host', 'vm.local');
    await set('Port', '2222');
    await set('User', 'dev');
    await set('Key file', '~/.ssh/id_rsa');
    await w.find('form').trigger('submit');
    await flush();
    expect(bridge.callsTo('hosts:add')[0]).toEqual({
      spec: {
        name: 'VM',
        config: {
          kind: 'ssh',
          host: 'vm.local',
          port: 2222,
          username: 'dev',
          auth: { method: 'key', privateKeyPath: '~/.ssh/id_rsa' },
        },
        autoConnect: true,
      },
    });
    w.unmount();
  });

  it('puts the agent’s field error next to that field', async () => {
    bridge.handle(
      'hosts:add',
      fail({ code: 'InvalidArgument', message: 'no such distribution', field: ['spec', 'config', 'distro'] }),
    );
    const w = await open();
    await set('Connection', 'wsl');
    await set('Name', 'WSL');
    await set('Distribution', 'Nope');
    await w.find('form').trigger('submit');
    await flush();
    await flush();
    expect(errorOf('Distribution')).toBe('no such distribution');
    expect(w.emitted('close')).toBeUndefined();
    w.unmount();
  });
});
