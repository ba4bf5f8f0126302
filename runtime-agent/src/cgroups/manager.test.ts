import { describe, expect, it } from 'vitest';
import { blkioToIoWeight, cpuQuota, sharesToWeight, swapTotal } from './manager';
import { validateResources } from './validate';

describe('cgroup conversions and validation', () => {
  it('converts NanoCpus, shares and blkio weight as runc does', () => {
    expect(cpuQuota({ nanoCpus: 250_000_000 })).toEqual({ quota: 25_000, period: 100_000 });
    expect(cpuQuota({ nanoCpus: 1.5e9 })).toEqual({ quota: 150_000, period: 100_000 });
    expect(cpuQuota({ cpuQuota: 50_000, cpuPeriod: 200_000 })).toEqual({ quota: 50_000, period: 200_000 });
    expect(cpuQuota({})).toBeUndefined();
    expect(sharesToWeight(1024)).toBe(39);
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(262144)).toBe(10000);
    expect(blkioToIoWeight(10)).toBe(1);
    expect(blkioToIoWeight(1000)).toBe(10000);
    expect(swapTotal({ memory: 100 })).toBe(200);
    expect(swapTotal({ memory: 100, memorySwap: -1 })).toBe(-1);
    expect(swapTotal({ memory: 100, memorySwap: 150 })).toBe(150);
  });

  it('rejects out-of-range limits with Docker messages', () => {
    const bad = (r: Parameters<typeof validateResources>[0]) => () => validateResources(r, 2);
    expect(bad({ memory: 1000 })).toThrow('Minimum memory limit allowed is 6MB');
    expect(bad({ memory: 8e6, memorySwap: 7e6 })).toThrow(/memoryswap limit should be larger/);
    expect(bad({ memorySwap: 8e6 })).toThrow(/always set the Memory limit/);
    expect(bad({ nanoCpus: 3e9 })).toThrow(/Range of CPUs is from 0.01 to 2.00/);
    expect(bad({ cpuPeriod: 10 })).toThrow(/CPU cfs period/);
    expect(bad({ blkioWeight: 5 })).toThrow(/blkio weight/);
    expect(bad({ cpusetCpus: '0-x' })).toThrow(/Invalid value/);
    expect(bad({ cpusetCpus: '5' })).toThrow(/Requested CPUs are not available/);
    expect(bad({ pidsLimit: 1.5 })).toThrow(/invalid pids limit/);
    expect(bad({ memory: 8e6, memoryReservation: 9e6 })).toThrow(/memory reservation/);
    expect(() => validateResources({ memory: 64 * 1024 * 1024, nanoCpus: 5e8, pidsLimit: 50 }, 2)).not.toThrow();
  });
});
