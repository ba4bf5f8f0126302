import { beforeEach, describe, expect, it } from 'vitest';
import { useHostsStore } from '@/stores/hosts';
import { fail, installFakeBridge, type FakeBridge } from '@/testing/fake-bridge';
import { hostSummary } from '@/testing/fixtures';
import { flush, freshPinia, mountWith } from '@/testing/mount';
import NetworkDialog from './NetworkDialog.vue';
import VolumeDialog from './VolumeDialog.vue';

const control = (label: string): HTMLInputElement => {
  const l = [...document.querySelectorAll('label')].find((x) => x.textContent?.trim() === label)!;
  return document.getElementById(l.htmlFor) as HTMLInputElement;
};
const set = async (label: string, v: string): Promise<void> => {
  control(label).value = v;
  control(label).dispatchEvent(new Event('input'));
  await flush();
};
const errorOf = (label: string): string | undefined => {
  const id = control(label).getAttribute('aria-describedby');
  return id ? (document.getElementById(id)?.textContent ?? undefined) : undefined;
};

describe('volume and network dialogs', () => {
  let bridge: FakeBridge;
  beforeEach(() => {
    document.body.innerHTML = '';
    bridge = installFakeBridge()
      .handle('hosts:list', [hostSummary()])
      .handle('volumes:list', [])
      .handle('networks:list', []);
  });
  const mountDialog = async (c: typeof NetworkDialog | typeof VolumeDialog) => {
    const pinia = freshPinia();
    await useHostsStore(pinia).load();
    const w = mountWith(c, { props: { hostId: 'h1' }, pinia });
    await flush();
    return w;
  };

  it('network: checks name, subnet and gateway before sending; puts the agent’s subnet error at the subnet', async () => {
    const w = await mountDialog(NetworkDialog);
    await set('Subnet', '10.1.0.0');
    await set('Gateway', '10.1.0.300');
    await w.find('form').trigger('submit');
    await flush();
    expect(errorOf('Name')).toBe('Required');
    expect(errorOf('Subnet')).toMatch(/CIDR/);
    expect(errorOf('Gateway')).toMatch(/IPv4/);
    expect(bridge.callsTo('networks:create')).toEqual([]);

    bridge.handle(
      'networks:create',
      fail({ code: 'Conflict', message: 'subnet overlaps with bridge', field: ['spec', 'subnet'] }),
    );
    await set('Name', 'backend');
    await set('Subnet', '172.17.0.0/16');
    await set('Gateway', '');
    await w.find('form').trigger('submit');
    await flush();
    await flush();
    expect(bridge.callsTo('networks:create')[0]).toMatchObject({
      hostId: 'h1',
      spec: { name: 'backend', driver: 'bridge', subnet: '172.17.0.0/16' },
    });
    expect(errorOf('Subnet')).toBe('subnet overlaps with bridge');
    expect(w.emitted('close')).toBeUndefined();
    w.unmount();
  });

  it('volume: an empty name is allowed (generated); a bad one is refused; success closes', async () => {
    bridge.handle('volumes:create', (req) => ({
      name: req.spec.name ?? 'generated',
      driver: 'local',
      mountpoint: '/x',
      scope: 'local',
      labels: {},
      options: {},
      usedBy: [],
    }));
    const w = await mountDialog(VolumeDialog);
    await set('Name', '-bad');
    await w.find('form').trigger('submit');
    await flush();
    expect(errorOf('Name')).toBeDefined();
    expect(bridge.callsTo('volumes:create')).toEqual([]);
    await set('Name', '');
    await w.find('form').trigger('submit');
    await flush();
    await flush();
    expect(bridge.callsTo('volumes:create')[0]).toEqual({
      hostId: 'h1',
      spec: { driver: 'local', driverOpts: {}, labels: {} },
    });
    expect(w.emitted('close')).toHaveLength(1);
    w.unmount();
  });
});
