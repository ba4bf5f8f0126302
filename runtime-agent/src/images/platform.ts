/**
 * Platforms (os/architecture/variant): parsing "linux/arm64/v8", the host's platform, and picking
 * the best manifest of an index, as containerd's platform matcher does (arm64 ≡ arm64/v8, an arm/v7
 * host also runs v6 and v5, aliases like x86_64 and aarch64 normalised).
 */
import fs from 'node:fs';
import { InvalidArgument, NotFound } from '../errdefs';
import { goArch } from '../daemon/host-info';
import type { Descriptor, Platform } from './manifest';

const ARCH_ALIASES: Record<string, { architecture: string; variant?: string }> = {
  x86_64: { architecture: 'amd64' },
  'x86-64': { architecture: 'amd64' },
  aarch64: { architecture: 'arm64' },
  armhf: { architecture: 'arm', variant: 'v7' },
  armel: { architecture: 'arm', variant: 'v6' },
  i386: { architecture: '386' },
  i686: { architecture: '386' },
};

export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase() === 'macos' ? 'darwin' : p.os.toLowerCase();
  let architecture = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase() || undefined;
  const alias = ARCH_ALIASES[architecture];
  if (alias) {
    architecture = alias.architecture;
    variant ??= alias.variant;
  }
  if (architecture === 'arm64' && (variant === undefined || variant === '8')) variant = 'v8';
  if (architecture === 'arm' && variant && /^\d$/.test(variant)) variant = `v${variant}`;
  if (architecture === 'arm' && variant === undefined) variant = 'v7';
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** "linux", "linux/arm64", "linux/arm/v7", "arm64" (os defaults to linux). */
export function parsePlatform(spec: string): Platform {
  const parts = spec.trim().split('/');
  if (parts.some((p) => p === '') || parts.length > 3) {
    throw new InvalidArgument(`invalid platform "${spec}": want os[/arch[/variant]], e.g. linux/arm64`);
  }
  const knownOs = ['linux', 'windows', 'darwin', 'freebsd', 'macos'];
  let os: string;
  let rest: string[];
  if (knownOs.includes(parts[0]!.toLowerCase())) {
    os = parts[0]!;
    rest = parts.slice(1);
  } else {
    os = 'linux';
    rest = parts;
    if (rest.length > 2) throw new InvalidArgument(`invalid platform "${spec}": unknown operating system`);
  }
  const host = hostPlatform();
  const p: Platform = { os, architecture: rest[0] ?? host.architecture };
  if (rest[1]) p.variant = rest[1];
  else if (!rest[0] && host.variant) p.variant = host.variant;
  return normalizePlatform(p);
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

let host: Platform | undefined;

function armVariant(): string | undefined {
  try {
    const m = /CPU architecture:\s*(\d+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return `v${Math.min(Number(m[1]), 8)}`;
  } catch {
    /* no cpuinfo */
  }
  return undefined;
}

export function hostPlatform(): Platform {
  if (host) return host;
  const architecture = goArch();
  const variant = architecture === 'arm64' ? 'v8' : architecture === 'arm' ? armVariant() : undefined;
  host = normalizePlatform({ os: 'linux', architecture, ...(variant ? { variant } : {}) });
  return host;
}

/**
 * How well `candidate` serves `want`: 0 = not at all, higher is better. The exact variant ranks
 * highest; an older arm variant still runs on a newer CPU.
 */
export function platformScore(want: Platform, candidate: Platform): number {
  const w = normalizePlatform(want);
  const c = normalizePlatform(candidate);
  if (w.os !== c.os || w.architecture !== c.architecture) return 0;
  if (w.variant === c.variant) return 100;
  if (w.architecture === 'arm' && w.variant && c.variant) {
    const wv = Number(w.variant.slice(1));
    const cv = Number(c.variant.slice(1));
    return cv <= wv ? 50 + cv : 0;
  }
  if (w.architecture === 'amd64') {
    // amd64 micro-architecture levels: v1 runs everywhere; higher ones only on newer CPUs.
    return c.variant === undefined || c.variant === 'v1' ? 90 : 0;
  }
  return c.variant === undefined || w.variant === undefined ? 80 : 0;
}

export function platformMatches(want: Platform, candidate: Platform): boolean {
  return platformScore(want, candidate) > 0;
}

/** The best manifest of an index for a platform; attestation manifests ("unknown/unknown") are skipped. */
export function selectManifest(manifests: readonly Descriptor[], want: Platform, what: string): Descriptor {
  let best: Descriptor | undefined;
  let bestScore = 0;
  for (const d of manifests) {
    if (!d.platform) continue;
    if (d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue;
    const s = platformScore(want, d.platform);
    if (s > bestScore) {
      best = d;
      bestScore = s;
    }
  }
  if (!best) {
    const have = manifests
      .filter((d) => d.platform && d.platform.os !== 'unknown')
      .map((d) => formatPlatform(d.platform!))
      .join(', ');
    throw new NotFound(
      `no matching manifest for ${formatPlatform(want)} in the manifest list entries of ${what}` +
        (have ? ` (available: ${have})` : ''),
    );
  }
  return best;
}
