import { describe, expect, it } from 'vitest';
import { parseFlags } from './flags';

describe('runtime flags', () => {
  it('takes --cgroup-parent and --init-pool with defaults', () => {
    expect(parseFlags([])).toMatchObject({ cgroupParent: 'berth', initPool: 1 });
    expect(parseFlags(['--cgroup-parent', 'berth-test-1', '--init-pool=0'])).toMatchObject({
      cgroupParent: 'berth-test-1',
      initPool: 0,
    });
    expect(() => parseFlags(['--init-pool', 'many'])).toThrow(/invalid --init-pool/);
  });
  it('lets a later --data-root, --exec-root or --cgroup-parent win (the test harness relies on it)', () => {
    const f = parseFlags([
      '--data-root',
      '/tmp/first/data',
      '--exec-root=/tmp/first/exec',
      '--cgroup-parent',
      'berth-first',
      '--data-root=/tmp/second/data',
      '--exec-root',
      '/tmp/second/exec',
      '--cgroup-parent=berth-second',
    ]);
    expect(f).toMatchObject({
      dataRoot: '/tmp/second/data',
      execRoot: '/tmp/second/exec',
      cgroupParent: 'berth-second',
    });
  });
});
