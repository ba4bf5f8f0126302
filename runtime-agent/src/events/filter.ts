/**
 * Event filters with moby's semantics (daemon/events/filter.go): every filter key given must
 * match; `container`, `volume`, `network`, `daemon` match the actor's ID or name by prefix
 * ("fuzzy"); `image` matches exactly the ID or image name with or without tag; `event` matches
 * the action (or its part before ":"); `label` matches key or key=value in the attributes.
 */
import { InvalidArgument } from '../errdefs';
import type { Filters } from '../api/query';
import type { EngineEvent } from './types';

export const EVENT_FILTER_KEYS = [
  'config',
  'container',
  'daemon',
  'event',
  'image',
  'label',
  'network',
  'node',
  'plugin',
  'scope',
  'secret',
  'service',
  'type',
  'volume',
] as const;

function exact(filters: Filters, key: string, ...values: Array<string | undefined>): boolean {
  const want = filters.get(key);
  if (!want || want.length === 0) return true;
  return values.some((v) => v !== undefined && want.includes(v));
}

function fuzzy(filters: Filters, key: string, ...values: Array<string | undefined>): boolean {
  const want = filters.get(key);
  if (!want || want.length === 0) return true;
  return values.some((v) => v !== undefined && v !== '' && want.some((w) => v === w || v.startsWith(w)));
}

function stripTag(ref: string | undefined): string | undefined {
  if (ref === undefined) return undefined;
  const at = ref.indexOf('@');
  const base = at >= 0 ? ref.slice(0, at) : ref;
  const slash = base.lastIndexOf('/');
  const colon = base.lastIndexOf(':');
  return colon > slash ? base.slice(0, colon) : base;
}

function fuzzyByType(filters: Filters, key: string, ev: EngineEvent): boolean {
  if (!filters.has(key)) return true;
  if (ev.Type !== key) return false;
  return fuzzy(filters, key, ev.Actor.ID, ev.Actor.Attributes.name);
}

function matchLabels(filters: Filters, attrs: Record<string, string>): boolean {
  const want = filters.get('label');
  if (!want || want.length === 0) return true;
  return want.every((l) => {
    const eq = l.indexOf('=');
    if (eq < 0) return Object.hasOwn(attrs, l);
    return attrs[l.slice(0, eq)] === l.slice(eq + 1);
  });
}

export function validateEventFilters(filters: Filters): void {
  for (const k of filters.keys()) {
    if (!(EVENT_FILTER_KEYS as readonly string[]).includes(k)) throw new InvalidArgument(`invalid filter '${k}'`);
  }
}

export function eventMatches(filters: Filters, ev: EngineEvent): boolean {
  const action = ev.Action;
  const actionBase = action.includes(':') ? action.slice(0, action.indexOf(':')) : action;
  const imageName = ev.Type === 'image' ? ev.Actor.Attributes.name : ev.Actor.Attributes.image;
  return (
    exact(filters, 'event', action, actionBase) &&
    exact(filters, 'type', ev.Type) &&
    exact(filters, 'scope', ev.scope) &&
    fuzzyByType(filters, 'daemon', ev) &&
    fuzzyByType(filters, 'container', ev) &&
    fuzzyByType(filters, 'plugin', ev) &&
    fuzzyByType(filters, 'volume', ev) &&
    fuzzyByType(filters, 'network', ev) &&
    (!filters.has('image') ||
      exact(filters, 'image', ev.Actor.ID, imageName, stripTag(ev.Actor.ID), stripTag(imageName))) &&
    !filters.has('node') &&
    !filters.has('service') &&
    !filters.has('secret') &&
    !filters.has('config') &&
    matchLabels(filters, ev.Actor.Attributes)
  );
}
