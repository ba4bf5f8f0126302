import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resetFeeds } from '@/stores/engine-feed';
import { useHostsStore } from '@/stores/hosts';
import { installFakeBridge, type FakeBridge } from '@/testing/fake-bridge';
import { containerSummary, hostSummary } from '@/testing/fixtures';
import { flush, freshPinia, mountAt } from '@/testing/mount';
import ContainersView from './ContainersView.vue';

describe('Containers view', () => {
  let bridge: FakeBridge;
  let restore: () => void;
  const rows = Array.from({ length: 1000 }, (_, i) =>
    containerSummary(
      i,
      i % 10 === 0 ? { composeProject: 'shop', labels: { 'com.docker.compose.project': 'shop' } } : {},
    ),
  );

  beforeEach(() => {
    document.body.innerHTML = '';
    resetFeeds();
    const d = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
    Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 720 });
    restore = () => (d ? Object.defineProperty(HTMLElement.prototype, 'clientHeight', d) : undefined);
    bridge = installFakeBridge()
      .handle('hosts:list', [hostSummary()])
      .handle('hosts:info', { hostId: 'h1' } as never)
      .handle('containers:list', rows)
      .handle('containers:bulk', (req) => req.ids.map((id) => ({ id, ok: true })));
  });
  afterEach(() => restore());
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function open() {
    const pinia = freshPinia();
    await useHostsStore(pinia).load();
    const w = await mountAt(ContainersView, '/h/h1/containers', { pinia });
    await flush();
    await flush();
    return w;
  }
  const domRows = (w: Awaited<ReturnType<typeof open>>) => w.findAll('.vl-viewport [role="row"]');

  it('renders only the visible rows of 1,000 and filters as you type', async () => {
    const w = await open();
    expect(w.find('[data-testid="containers-count"]').text()).toBe('1000 of 1000');
    expect(domRows(w).length).toBeGreaterThan(10);
    expect(domRows(w).length).toBeLessThan(40);
    await w.find('input[type="search"]').setValue('box-99');
    // box-99, box-990 … box-999
    expect(w.find('[data-testid="containers-count"]').text()).toBe('11 of 1000');
    await w.find('select').setValue('exited');
    expect(w.find('[data-testid="containers-count"]').text()).toBe(
      `${['99', '990', '991', '992', '993', '994', '995', '996', '997', '998', '999'].filter((n) => Number(n) % 3 === 2).length} of 1000`,
    );
    w.unmount();
  });

  it('groups by compose project with a header per project', async () => {
    const w = await open();
    const group = w
      .findAll('input[type="checkbox"]')
      .find((c) => c.element.parentElement?.textContent?.includes('Group by compose project'))!;
    await group.setValue(true);
    expect(w.find('[data-testid="group-shop"]').exists()).toBe(true);
    expect(w.find('[data-testid="group-shop"]').text()).toContain('shop');
    w.unmount();
  });

  it('opens stats streams only for the running containers on screen', async () => {
    const w = await open();
    await sleep(400);
    const open_ = bridge.openStreams('containers:stats').map((s) => s.args.id);
    const visibleRunning = domRows(w)
      .filter((r) => r.find('[data-state="running"]').exists())
      .map((r) => r.attributes('data-id'));
    expect(open_.length).toBeGreaterThan(0);
    for (const id of open_) expect(visibleRunning).toContain(id);
    expect(open_.length).toBeLessThan(40);
    w.unmount();
    await sleep(2300); // the streams linger 2 s after the last viewer
    expect(bridge.openStreams('containers:stats')).toHaveLength(0);
  });

  it('opens the stats stream of a container on screen when it starts (no scroll needed)', async () => {
    const created: typeof rows = rows.slice(0, 3).map((c) => ({ ...c, state: 'created' }));
    bridge.handle('containers:list', (req) =>
      req.filters?.id ? created.filter((c) => req.filters!.id!.includes(c.id)) : created,
    );
    const w = await open();
    await sleep(400);
    expect(bridge.openStreams('containers:stats')).toHaveLength(0);
    created[1] = { ...created[1]!, state: 'running' };
    const feed = bridge.openStreams('engine:events')[0]!;
    feed.push({
      kind: 'event',
      event: { type: 'container', action: 'start', id: created[1].id, time: 0, attributes: {} },
    });
    await sleep(500);
    expect(bridge.openStreams('containers:stats').map((s) => s.args.id)).toEqual([created[1].id]);
    w.unmount();
  });

  it('moves through the rows with the keyboard, selects with Space and opens with Enter', async () => {
    const w = await open();
    const grid = w.find('[data-testid="containers-grid"]');
    const first = domRows(w)[0]!;
    expect(first.attributes('tabindex')).toBe('0');
    await grid.trigger('keydown', { key: 'ArrowDown' });
    await flush();
    const second = domRows(w)[1]!;
    expect(document.activeElement).toBe(second.element);
    expect(second.attributes('tabindex')).toBe('0');
    expect(first.attributes('tabindex')).toBe('-1');
    await grid.trigger('keydown', { key: ' ' });
    expect(second.attributes('aria-selected')).toBe('true');
    expect(w.text()).toContain('1 selected');
    await grid.trigger('keydown', { key: 'Enter' });
    await flush();
    expect(w.vm.$router.currentRoute.value.path).toBe(`/h/h1/containers/${second.attributes('data-id')}`);
    w.unmount();
  });

  it('selects rows and runs a bulk action on them', async () => {
    const w = await open();
    await w.find('input[type="search"]').setValue('box-99');
    await w.find('input[aria-label="Select all shown"]').setValue(true);
    expect(w.text()).toContain('11 selected');
    const stop = w.findAll('button').find((b) => b.text() === 'Stop')!;
    await stop.trigger('click');
    await flush();
    const req = bridge.callsTo('containers:bulk')[0] as { action: string; ids: string[] };
    expect(req.action).toBe('stop');
    expect(req.ids).toHaveLength(11);
    w.unmount();
  });
});
