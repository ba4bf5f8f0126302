/** What the agent may hand to containers: its own hard rlimits, and whether it can raise them. */
import fs from 'node:fs';
import type { HostLimits } from './spec/build';

const LIMIT_NAMES: Record<string, number> = {
  'Max cpu time': 0,
  'Max file size': 1,
  'Max data size': 2,
  'Max stack size': 3,
  'Max core file size': 4,
  'Max resident set': 5,
  'Max processes': 6,
  'Max open files': 7,
  'Max locked memory': 8,
  'Max address space': 9,
  'Max file locks': 10,
  'Max pending signals': 11,
  'Max msgqueue size': 12,
  'Max nice priority': 13,
  'Max realtime priority': 14,
  'Max realtime timeout': 15,
};

const INFINITY = 0xffffffffffffffffn;

export function parseLimits(text: string): Map<number, bigint> {
  const out = new Map<number, bigint>();
  for (const line of text.split('\n')) {
    for (const [name, res] of Object.entries(LIMIT_NAMES)) {
      if (!line.startsWith(name)) continue;
      const fields = line.slice(name.length).trim().split(/\s+/);
      const hard = fields[1];
      if (hard) out.set(res, hard === 'unlimited' ? INFINITY : BigInt(hard));
    }
  }
  return out;
}

export function hostLimits(cgroupVersion: 1 | 2): HostLimits {
  let limits = new Map<number, bigint>();
  let capEff = 0n;
  try {
    limits = parseLimits(fs.readFileSync('/proc/self/limits', 'utf8'));
    const m = /CapEff:\s*([0-9a-f]+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) capEff = BigInt('0x' + m[1]);
  } catch {
    /* defaults below */
  }
  return {
    hardLimit: (r) => limits.get(r) ?? INFINITY,
    canRaiseHardLimits: (capEff & (1n << 24n)) !== 0n,
    dropMknod: cgroupVersion === 2,
  };
}
