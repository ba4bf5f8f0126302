import { beforeEach, describe, expect, it } from 'vitest';
import type { ImageSummary, TaskInfo } from '@contract';
import { resetFeeds } from '@/stores/engine-feed';
import { useHostsStore } from '@/stores/hosts';
import { useTasksStore } from '@/stores/tasks';
import { installFakeBridge, type FakeBridge } from '@/testing/fake-bridge';
import { hostSummary } from '@/testing/fixtures';
import { flush, freshPinia, mountAt } from '@/testing/mount';
import ImagesView from './ImagesView.vue';

const image = (id: string, tags: string[], containers = 0): ImageSummary => ({
  id: `sha256:${id.padEnd(64, '0')}`,
  repoTags: tags,
  repoDigests: [],
  created: 1_700_000_000,
  size: 4_500_000,
  labels: {},
  containers,
  dangling: tags.length === 0 && containers === 0,
});

describe('Images view', () => {
  let bridge: FakeBridge;
  let images: ImageSummary[];
  beforeEach(() => {
    document.body.innerHTML = '';
    resetFeeds();
    images = [image('a', ['busybox:latest'], 2), image('b', [])];
    bridge = installFakeBridge()
      .handle('hosts:list', [hostSummary()])
      .handle('hosts:info', { hostId: 'h1' } as never)
      .handle('images:list', () => images);
  });

  async function open() {
    const pinia = freshPinia();
    const hosts = useHostsStore(pinia);
    hosts.listen();
    await hosts.load();
    useTasksStore(pinia).listen();
    const w = await mountAt(ImagesView, '/h/h1/images', { pinia });
    await flush();
    return w;
  }

  it('lists tags, size and use (in use / dangling), and refetches on image events', async () => {
    const w = await open();
    const rows = w.findAll('tbody tr');
    expect(rows).toHaveLength(2);
    expect(rows[0]!.text()).toContain('busybox:latest');
    expect(rows[0]!.text()).toContain('in use (2)');
    expect(rows[0]!.text()).toContain('4.3 MB');
    expect(rows[1]!.text()).toContain('dangling');
    images = [...images, image('c', ['redis:7'])];
    bridge
      .openStreams('engine:events')[0]!
      .push({ kind: 'event', event: { type: 'image', action: 'pull', id: 'redis:7', attributes: {}, time: 0 } });
    await new Promise((r) => setTimeout(r, 250));
    expect(w.findAll('tbody tr')).toHaveLength(3);
    w.unmount();
  });

  it('shows a pull with one progress bar per layer as the task reports it', async () => {
    const w = await open();
    const task: TaskInfo = {
      id: 't1',
      kind: 'pull',
      hostId: 'h1',
      title: 'Pull redis:7',
      state: 'running',
      startedAt: '2026-01-01T00:00:00Z',
      progress: {
        status: 'Pulling from library/redis',
        percent: 40,
        layers: [
          { id: 'aaaaaaaaaaaa', status: 'Downloading', current: 50, total: 100, done: false },
          { id: 'bbbbbbbbbbbb', status: 'Pull complete', done: true },
        ],
      },
    };
    bridge.emit('tasks:update', task);
    await flush();
    const bars = w.findAll('[role="progressbar"]');
    expect(bars.map((b) => [b.attributes('aria-label'), b.attributes('aria-valuenow')])).toEqual([
      ['Overall progress', '40'],
      ['Layer aaaaaaaaaaaa', '50'],
      ['Layer bbbbbbbbbbbb', '100'],
    ]);
    bridge.emit('tasks:update', { ...task, state: 'succeeded', progress: { ...task.progress, percent: 100 } });
    await flush();
    expect(w.find('[data-testid="task-pull"]').attributes('data-state')).toBe('succeeded');
    w.unmount();
  });
});
