import { describe, expect, it } from 'vitest';
import { InvalidArgument } from '../errdefs';
import { familiarString, parseNormalized, parseReference, refString } from './reference';

const D = 'sha256:' + 'a'.repeat(64);

describe('references', () => {
  it.each([
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['index.docker.io/library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['user/app:v1', 'docker.io/user/app:v1', 'user/app:v1'],
    ['localhost/app', 'localhost/app:latest', 'localhost/app:latest'],
    ['127.0.0.1:5000/ns/app:t', '127.0.0.1:5000/ns/app:t', '127.0.0.1:5000/ns/app:t'],
    ['ghcr.io/a/b/c', 'ghcr.io/a/b/c:latest', 'ghcr.io/a/b/c:latest'],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`, `busybox@${D}`],
    [`host:5000/x:t@${D}`, `host:5000/x:t@${D}`, `host:5000/x:t@${D}`],
    ['a__b/c-d.e_f', 'docker.io/a__b/c-d.e_f:latest', 'a__b/c-d.e_f:latest'],
  ])('%s → %s', (input, full, familiar) => {
    const ref = parseNormalized(input);
    expect(refString(ref)).toBe(full);
    expect(familiarString(ref)).toBe(familiar);
  });

  it('keeps a missing tag absent without defaulting', () => {
    expect(parseReference('busybox').tag).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['Busybox', /must be lowercase/],
    ['busybox:', /invalid tag/],
    ['busybox:bad tag', /invalid tag/],
    ['bad..name', /invalid repository name component/],
    ['-x', /invalid repository name component/],
    ['a'.repeat(64).replace(/a/g, 'f'), /64-byte hexadecimal/],
    ['busybox@sha256:abc', /invalid digest/],
    ['busybox@md5:' + 'a'.repeat(32), /unsupported digest algorithm/],
    ['host:5000/', /invalid repository name component/],
    ['x'.repeat(300), /longer than 255/],
    ['bad_host!:5000/x', /invalid/],
  ])('rejects %j', (input, msg) => {
    expect(() => parseReference(input)).toThrow(InvalidArgument);
    expect(() => parseReference(input)).toThrow(msg);
  });
});
