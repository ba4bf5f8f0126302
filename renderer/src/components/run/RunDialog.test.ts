import { beforeEach, describe, expect, it } from 'vitest';
import type { HostSummary } from '@contract';
import { fail, installFakeBridge, type FakeBridge } from '@/testing/fake-bridge';
import { flush, freshPinia, mountWith } from '@/testing/mount';
import { useHostsStore } from '@/stores/hosts';
import RunDialog from './RunDialog.vue';

const host: HostSummary = {
  id: 'h1',
  name: 'Local',
  kind: 'local',
  config: { kind: 'local', socketPath: '/run/x.sock' },
  autoConnect: true,
  builtin: false,
  state: {
    status: 'connected',
    engine: { flavour: 'berth', version: '1', apiVersion: '1.45', os: 'linux', arch: 'amd64' },
  },
};

function field(w: ReturnType<typeof mountWith>, label: string): HTMLInputElement {
  const l = [...w.element.ownerDocument.querySelectorAll('label')].find((x) => x.textContent?.trim() === label);
  if (!l) throw new Error(`no label ${label}`);
  return w.element.ownerDocument.getElementById(l.htmlFor) as HTMLInputElement;
}

describe('Run dialog', () => {
  let bridge: FakeBridge;
  beforeEach(() => {
    document.body.innerHTML = '';
    bridge = installFakeBridge()
      .handle('hosts:list', [host])
      .handle('images:list', [])
      .handle('networks:list', [])
      .handle('volumes:list', [])
      .handle('containers:list', []);
  });

  async function open() {
    const pinia = freshPinia();
    await useHostsStore(pinia).load();
    const w = mountWith(RunDialog, { props: { hostId: 'h1' }, pinia });
    await flush();
    return w;
  }

  it('validates before submitting: nothing is sent and the error sits at the field', async () => {
    const w = await open();
    await w.find('form').trigger('submit');
    await flush();
    const image = field(w, 'Image');
    expect(image.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(image.getAttribute('aria-describedby')!)?.textContent).toBe('Required');
    expect(bridge.callsTo('containers:create')).toEqual([]);
    expect(document.activeElement).toBe(image);
    w.unmount();
  });

  it('shows the agent error at the field it concerns (memory limit)', async () => {
    bridge.handle(
      'containers:create',
      fail({
        code: 'InvalidArgument',
        message: 'Minimum memory limit allowed is 6MB',
        field: ['spec', 'limits', 'memoryBytes'],
      }),
    );
    const w = await open();
    field(w, 'Image').value = 'busybox';
    field(w, 'Image').dispatchEvent(new Event('input'));
    field(w, 'Memory limit').value = '64m';
    field(w, 'Memory limit').dispatchEvent(new Event('input'));
    await w.find('form').trigger('submit');
    await flush();
    await flush();
    const req = bridge.callsTo('containers:create')[0] as { spec: { limits: { memoryBytes: number } }; start: boolean };
    expect(req.spec.limits.memoryBytes).toBe(64 * 1024 * 1024);
    expect(req.start).toBe(true);
    const mem = field(w, 'Memory limit');
    expect(mem.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(mem.getAttribute('aria-describedby')!)?.textContent).toContain(
      'Minimum memory limit',
    );
    expect(field(w, 'Image').getAttribute('aria-invalid')).not.toBe('true');
    expect(w.emitted('close')).toBeUndefined();
    w.unmount();
  });

  it('shows an agent error on a port row and one without a field at the top', async () => {
    bridge.handle(
      'containers:create',
      fail({ code: 'Conflict', message: 'port 8080 is already allocated', field: ['spec', 'ports', 0, 'hostPort'] }),
    );
    const w = await open();
    field(w, 'Image').value = 'busybox';
    field(w, 'Image').dispatchEvent(new Event('input'));
    const ports = w.findAll('fieldset').find((f) => f.find('legend').text() === 'Ports')!;
    await ports.find('button').trigger('click');
    await ports.find('input[aria-label="Host port 1"]').setValue('8080');
    await ports.find('input[aria-label="Container port 1"]').setValue('80');
    await w.find('form').trigger('submit');
    await flush();
    await flush();
    expect(ports.find('input[aria-label="Host port 1"]').attributes('aria-invalid')).toBe('true');
    expect(ports.text()).toContain('port 8080 is already allocated');

    bridge.handle('containers:create', fail({ code: 'Unavailable', message: 'host "Local" is not connected' }));
    await w.find('form').trigger('submit');
    await flush();
    await flush();
    expect(w.find('[data-testid="run-form-error"]').text()).toContain('not connected');
    w.unmount();
  });

  it('creates and closes on success', async () => {
    bridge.handle('containers:create', { id: 'abc', warnings: [], started: true });
    const w = await open();
    field(w, 'Image').value = 'busybox';
    field(w, 'Image').dispatchEvent(new Event('input'));
    await w.find('form').trigger('submit');
    await flush();
    await flush();
    expect(w.emitted('created')?.[0]).toEqual(['abc']);
    expect(w.emitted('close')).toHaveLength(1);
    w.unmount();
  });
});
