import { describe, expect, it } from 'vitest';
import { Router, splitVersion } from './router';

describe('Router', () => {
  const noop = (): void => undefined;
  const r = new Router()
    .get('/containers/{id}/json', noop)
    .get('/images/{name*}/json', noop)
    .delete('/images/{name*}', noop);

  it('matches single-segment and greedy params', () => {
    expect(r.match('GET', '/containers/abc/json')?.params).toEqual({ id: 'abc' });
    expect(r.match('GET', '/images/127.0.0.1:5000/ns/busybox:latest/json')?.params).toEqual({
      name: '127.0.0.1:5000/ns/busybox:latest',
    });
    expect(r.match('DELETE', '/images/a/b:1')?.params).toEqual({ name: 'a/b:1' });
  });
  it('does not match the wrong method or path', () => {
    expect(r.match('POST', '/containers/abc/json')).toBeUndefined();
    expect(r.match('GET', '/containers/a/b/json')).toBeUndefined();
  });
  it('decodes percent-encoded params', () => {
    expect(r.match('GET', '/images/a%2Fb/json')?.params).toEqual({ name: 'a/b' });
  });
});

describe('splitVersion', () => {
  it('accepts versioned and bare paths', () => {
    expect(splitVersion('/v1.43/info')).toEqual({ path: '/info', apiVersion: '1.43' });
    expect(splitVersion('/v1.24/_ping')).toEqual({ path: '/_ping', apiVersion: '1.24' });
    expect(splitVersion('/containers/json')).toEqual({ path: '/containers/json', apiVersion: '1.43' });
  });
  it('refuses versions out of range like moby', () => {
    expect(() => splitVersion('/v1.50/info')).toThrow(/too new/);
    expect(() => splitVersion('/v1.12/info')).toThrow(/too old/);
  });
});
