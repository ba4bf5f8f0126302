/** Platforms (`linux/amd64`, `linux/arm/v7`) and the automatic platform ARGs BuildKit defines. */

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const ARCH_ALIASES: Record<string, [string, string?]> = {
  x86_64: ['amd64'],
  'x86-64': ['amd64'],
  amd64: ['amd64'],
  i386: ['386'],
  '386': ['386'],
  aarch64: ['arm64'],
  arm64: ['arm64'],
  armhf: ['arm', 'v7'],
  armel: ['arm', 'v6'],
  arm: ['arm', 'v7'],
  ppc64le: ['ppc64le'],
  s390x: ['s390x'],
  riscv64: ['riscv64'],
  mips64le: ['mips64le'],
  loong64: ['loong64'],
};

/** Parses `os[/arch[/variant]]` (or a bare architecture), normalised like containerd's platforms. */
export function parsePlatform(spec: string): Platform {
  const parts = spec.trim().toLowerCase().split('/');
  if (parts.some((p) => p === '' || !/^[a-z0-9_.-]+$/.test(p)) || parts.length > 3) {
    throw new Error(`"${spec}": invalid platform specifier`);
  }
  let os = 'linux';
  let arch: string;
  let variant: string | undefined;
  if (parts.length === 1) {
    const only = parts[0] as string;
    if (ARCH_ALIASES[only] === undefined) {
      if (only === 'linux') return hostPlatform();
      throw new Error(`"${spec}": unknown operating system or architecture`);
    }
    arch = only;
  } else {
    os = parts[0] as string;
    arch = parts[1] as string;
    variant = parts[2];
  }
  const alias = ARCH_ALIASES[arch];
  if (alias) {
    arch = alias[0];
    if (variant === undefined && alias[1] !== undefined) variant = alias[1];
  }
  if (arch === 'arm64' && variant === 'v8') variant = undefined;
  if (arch === 'amd64' && variant === 'v1') variant = undefined;
  return variant === undefined ? { os, architecture: arch } : { os, architecture: arch, variant };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, ...(p.variant ? [p.variant] : [])].join('/');
}

const NODE_ARCH: Record<string, Platform> = {
  x64: { os: 'linux', architecture: 'amd64' },
  arm64: { os: 'linux', architecture: 'arm64' },
  arm: { os: 'linux', architecture: 'arm', variant: 'v7' },
  ia32: { os: 'linux', architecture: '386' },
  ppc64: { os: 'linux', architecture: 'ppc64le' },
  s390x: { os: 'linux', architecture: 's390x' },
  riscv64: { os: 'linux', architecture: 'riscv64' },
  loong64: { os: 'linux', architecture: 'loong64' },
};

export function hostPlatform(arch: string = process.arch): Platform {
  return { ...(NODE_ARCH[arch] ?? { os: 'linux', architecture: arch }) };
}

/** TARGETPLATFORM, TARGETOS, … BUILDVARIANT, as BuildKit provides them in the global scope. */
export function platformArgs(target: Platform, build: Platform): Map<string, string> {
  const m = new Map<string, string>();
  const add = (prefix: string, p: Platform): void => {
    m.set(`${prefix}PLATFORM`, formatPlatform(p));
    m.set(`${prefix}OS`, p.os);
    m.set(`${prefix}ARCH`, p.architecture);
    m.set(`${prefix}VARIANT`, p.variant ?? '');
  };
  add('TARGET', target);
  add('BUILD', build);
  return m;
}
