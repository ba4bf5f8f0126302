import { mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import App from './App.vue';
import { i18n } from './i18n';
import { createAppRouter } from './router';
import { resetFeeds } from './stores/engine-feed';
import { fail, installFakeBridge, type FakeBridge } from './testing/fake-bridge';
import { CONNECTED, hostSummary } from './testing/fixtures';
import { flush } from './testing/mount';

const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('App shell', () => {
  let bridge: FakeBridge;
  let w: ReturnType<typeof mount> | undefined;
  beforeEach(() => {
    document.body.innerHTML = '';
    location.hash = '';
    resetFeeds();
    bridge = installFakeBridge()
      .handle('app:info', { version: '0.1.0', mode: 'web', platform: 'linux', arch: 'x64' })
      .handle('hosts:list', [hostSummary('h1')])
      .handle('hosts:info', {
        hostId: 'h1',
        engine: { flavour: 'berth', version: '0.1.0', apiVersion: '1.45', os: 'linux', arch: 'amd64' },
        name: 'box',
        serverVersion: '0.1.0',
        operatingSystem: 'Debian GNU/Linux 12',
        kernelVersion: '6.1',
        architecture: 'x86_64',
        ncpu: 2,
        memTotal: 2 ** 34,
        dataRoot: '/var/lib/berth',
        cgroupVersion: '2',
        containers: { total: 3, running: 1, paused: 0, stopped: 2 },
        images: 4,
        warnings: [],
      })
      .handle('prompts:list', [])
      .handle('tasks:list', [])
      .handle('engine:state', fail({ code: 'NotImplemented', message: 'no engine here' }))
      .handle('containers:list', [])
      .handle('volumes:list', []);
  });
  afterEach(() => w?.unmount());

  async function start() {
    const router = createAppRouter();
    w = mount(App, { global: { plugins: [createPinia(), router, i18n] }, attachTo: document.body });
    await until(() => w!.text().includes('Engine berth 0.1.0'));
    return { w, router };
  }

  it('shows the hosts, the status bar, and follows host state with a banner, retry and toasts', async () => {
    const { w } = await start();
    expect(w.find('[data-host-name="Host h1"]').attributes('data-state')).toBe('connected');
    expect(w.find('[data-testid="statusbar"]').text()).toContain('2 CPUs');
    expect(bridge.openStreams('engine:events')).toHaveLength(1);

    bridge.emit(
      'hosts:state',
      hostSummary('h1', { status: 'failed', error: { code: 'Unreachable', message: 'socket gone' } }),
    );
    await until(() => w.find('[data-testid="host-banner"]').exists());
    expect(w.find('[data-testid="host-banner"]').text()).toContain('socket gone');
    expect(bridge.openStreams('engine:events')).toHaveLength(0);
    expect(w.findAll('[data-testid="toast"]').some((t) => t.text().includes('Could not connect'))).toBe(true);

    bridge.handle('hosts:connect', hostSummary('h1', CONNECTED));
    await w.find('[data-testid="host-banner"] button').trigger('click');
    await until(() => !w.find('[data-testid="host-banner"]').exists());
    expect(bridge.callsTo('hosts:connect')).toEqual([{ id: 'h1' }]);
    expect(bridge.openStreams('engine:events')).toHaveLength(1);
  });

  it('shows a banner while the service is unreachable and reloads when it is back', async () => {
    const { w } = await start();
    const lists = bridge.callsTo('hosts:list').length;
    bridge.setConnected(false);
    await flush();
    expect(w.find('[data-testid="bridge-banner"]').exists()).toBe(true);
    bridge.setConnected(true);
    await flush();
    expect(w.find('[data-testid="bridge-banner"]').exists()).toBe(false);
    expect(bridge.callsTo('hosts:list').length).toBe(lists + 1);
  });

  it('opens the command palette with Ctrl+K and runs a command with the keyboard', async () => {
    const { w, router } = await start();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'k', ctrlKey: true }));
    await flush();
    const input = w.find('[role="combobox"]');
    expect(input.exists()).toBe(true);
    expect(document.activeElement).toBe(input.element);
    await input.setValue('volumes');
    expect(w.findAll('[role="option"]').map((o) => o.text())).toEqual(['Go to Volumes']);
    await input.trigger('keydown', { key: 'Enter' });
    await until(() => router.currentRoute.value.path === '/h/h1/volumes');
    expect(w.find('[role="combobox"]').exists()).toBe(false);
  });

  it('turns a finished task into a toast', async () => {
    const { w } = await start();
    bridge.emit('tasks:update', {
      id: 't1',
      kind: 'pull',
      hostId: 'h1',
      title: 'Pull busybox',
      state: 'succeeded',
      startedAt: '',
      progress: { layers: [] },
    });
    await flush();
    expect(w.findAll('[data-testid="toast"]').some((t) => t.text().includes('Pull busybox: done'))).toBe(true);
  });
});
