import { beforeEach, describe, expect, it } from 'vitest';
import type { BuildRecord } from '@contract';
import { resetFeeds } from '@/stores/engine-feed';
import { useHostsStore } from '@/stores/hosts';
import { useTasksStore } from '@/stores/tasks';
import { useUiStore } from '@/stores/ui';
import { installFakeBridge, type FakeBridge } from '@/testing/fake-bridge';
import { hostSummary } from '@/testing/fixtures';
import { flush, freshPinia, mountAt } from '@/testing/mount';
import BuildsView from './BuildsView.vue';

describe('Builds view', () => {
  let bridge: FakeBridge;
  beforeEach(() => {
    document.body.innerHTML = '';
    resetFeeds();
    bridge = installFakeBridge()
      .handle('hosts:list', [hostSummary()])
      .handle('hosts:info', { hostId: 'h1' } as never)
      .handle('builds:list', [])
      .handle('builds:start', { taskId: 't1', buildId: 'b1' });
  });

  it('checks the form, starts a build, shows its live log with steps and cache state, then offers to run the image', async () => {
    const pinia = freshPinia();
    await useHostsStore(pinia).load();
    useTasksStore(pinia).listen();
    const w = await mountAt(BuildsView, '/h/h1/builds', { pinia });
    await flush();

    // No context chosen, a bad tag: nothing is sent.
    await w.find('input[aria-label="Folder or tar path"]').exists();
    await w.find('select').setValue('path');
    const tags = w
      .findAll('input')
      .find((i) => i.element.id && document.querySelector(`label[for="${i.element.id}"]`)?.textContent === 'Tags')!;
    await tags.setValue('Bad Tag');
    await w.find('form').trigger('submit');
    await flush();
    expect(w.text()).toContain('Choose a build context');
    expect(w.text()).toMatch(/image reference/i);
    expect(bridge.callsTo('builds:start')).toEqual([]);

    await w.find('input[aria-label="Folder or tar path"]').setValue('/srv/app');
    await tags.setValue('app:1, app:latest');
    await w.find('form').trigger('submit');
    await flush();
    expect(bridge.callsTo('builds:start')[0]).toMatchObject({
      hostId: 'h1',
      context: { kind: 'path', path: '/srv/app' },
      dockerfile: 'Dockerfile',
      tags: ['app:1', 'app:latest'],
      noCache: false,
    });

    const record: BuildRecord = {
      id: 'b1',
      hostId: 'h1',
      taskId: 't1',
      contextLabel: 'app',
      dockerfile: 'Dockerfile',
      tags: ['app:1', 'app:latest'],
      noCache: false,
      buildArgs: {},
      startedAt: '2026-01-01T00:00:00Z',
      result: 'running',
      steps: 2,
      cachedSteps: 1,
    };
    bridge.emit('builds:update', record);
    bridge.emit('tasks:log', {
      taskId: 't1',
      lines: [
        { text: 'Step 1/2 : FROM busybox', stream: 'status', step: 1, cached: true },
        { text: ' ---> 7030dc14843a', stream: 'stdout', step: 1 },
        { text: 'Step 2/2 : RUN echo hi', stream: 'status', step: 2, cached: false },
        { text: 'hi', stream: 'stdout', step: 2 },
      ],
    });
    await flush();
    const log = w.find('[data-testid="build-log"]');
    expect(log.findAll('.line.step').map((l) => l.text())).toEqual([
      'cachedStep 1/2 : FROM busybox',
      'Step 2/2 : RUN echo hi',
    ]);
    expect(w.find('[data-testid="build-result"]').text()).toBe('Running');

    bridge.emit('builds:update', {
      ...record,
      result: 'succeeded',
      durationMs: 1200,
      finishedAt: '2026-01-01T00:00:01Z',
      imageId: 'sha256:1',
    });
    await flush();
    expect(w.find('[data-testid="build-result"]').text()).toBe('Succeeded');
    expect(w.find('[data-testid="builds-history"]').text()).toContain('1.2 s');
    await w.find('[data-testid="build-run"]').trigger('click');
    expect(useUiStore(pinia).dialog).toEqual({ kind: 'run', preset: { image: 'app:1' } });
    w.unmount();
  });
});
