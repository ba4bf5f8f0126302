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
});
