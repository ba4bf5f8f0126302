import { describe, expect, it } from 'vitest';
import { dockerCgroupVersion, layoutFromMounts, parseCgroupMounts } from './detect';

const HYBRID = `25 1 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec - tmpfs tmpfs ro,mode=755
26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate
27 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid - cgroup cgroup rw,xattr,name=systemd
28 25 0:26 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
29 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
30 25 0:28 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
`;
const UNIFIED = `25 1 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
const LEGACY = `28 25 0:26 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
30 25 0:28 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
`;

describe('cgroup detection', () => {
  it('recognises a v1/v2 hybrid host', () => {
    const l = layoutFromMounts(parseCgroupMounts(HYBRID), () => ['hugetlb']);
    expect(l.setup).toBe('hybrid');
    expect(l.unifiedRoot).toBe('/sys/fs/cgroup/unified');
    expect(l.v1.get('memory')).toBe('/sys/fs/cgroup/memory');
    expect(l.v1.get('cpuacct')).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(l.v1.get('name=systemd')).toBe('/sys/fs/cgroup/systemd');
    expect(l.v2Controllers).toEqual(['hugetlb']);
    expect(dockerCgroupVersion(l)).toBe('1');
  });
  it('recognises a pure cgroup v2 host', () => {
    const l = layoutFromMounts(parseCgroupMounts(UNIFIED), () => ['cpu', 'memory', 'pids']);
    expect(l.setup).toBe('unified');
    expect(l.unifiedRoot).toBe('/sys/fs/cgroup');
    expect(l.v1.size).toBe(0);
    expect(dockerCgroupVersion(l)).toBe('2');
  });
  it('recognises a legacy v1-only host', () => {
    const l = layoutFromMounts(parseCgroupMounts(LEGACY), () => []);
    expect(l.setup).toBe('legacy');
    expect(l.unifiedRoot).toBeUndefined();
    expect(dockerCgroupVersion(l)).toBe('1');
  });
});
