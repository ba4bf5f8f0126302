import { describe, expect, it } from 'vitest';
import { InvalidArgument, NotFound } from '../errdefs';
import type { Descriptor } from './manifest';
import { formatPlatform, parsePlatform, platformMatches, selectManifest } from './platform';

const d = (architecture: string, variant?: string, os = 'linux'): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${(architecture + (variant ?? '')).padEnd(64, '0').replace(/[^a-f0-9]/g, '1')}`,
  size: 1,
  platform: { os, architecture, ...(variant ? { variant } : {}) },
});

describe('platforms', () => {
  it('parses and normalises', () => {
    expect(formatPlatform(parsePlatform('linux/arm64'))).toBe('linux/arm64/v8');
    expect(formatPlatform(parsePlatform('linux/aarch64'))).toBe('linux/arm64/v8');
    expect(formatPlatform(parsePlatform('linux/x86_64'))).toBe('linux/amd64');
    expect(formatPlatform(parsePlatform('linux/arm/7'))).toBe('linux/arm/v7');
    expect(formatPlatform(parsePlatform('arm64'))).toBe('linux/arm64/v8');
    expect(() => parsePlatform('linux//x')).toThrow(InvalidArgument);
    expect(() => parsePlatform('a/b/c/d')).toThrow(InvalidArgument);
  });

  it('matches arm64 with and without v8, and older arm variants', () => {
    expect(platformMatches(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64' })).toBe(true);
    expect(platformMatches(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v6' })).toBe(
      true,
    );
    expect(platformMatches(parsePlatform('linux/arm/v6'), { os: 'linux', architecture: 'arm', variant: 'v7' })).toBe(
      false,
    );
    expect(platformMatches(parsePlatform('linux/amd64'), { os: 'windows', architecture: 'amd64' })).toBe(false);
  });

  it('selects the best manifest, skipping attestations', () => {
    const att = {
      ...d('unknown', undefined, 'unknown'),
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
    };
    const list = [att, d('arm', 'v6'), d('arm', 'v7'), d('amd64'), d('arm64', 'v8')];
    expect(selectManifest(list, parsePlatform('linux/arm/v7'), 'x')).toBe(list[2]);
    expect(selectManifest(list, parsePlatform('linux/amd64'), 'x')).toBe(list[3]);
    expect(selectManifest(list, parsePlatform('linux/arm64'), 'x')).toBe(list[4]);
    expect(() => selectManifest(list, parsePlatform('linux/s390x'), 'x')).toThrow(NotFound);
    expect(() => selectManifest(list, parsePlatform('linux/s390x'), 'x')).toThrow(/available: linux\/arm\/v6/);
  });
});
