import { describe, expect, it } from 'vitest';
import { parseFilters } from '../api/query';
import { commandText, filterContainers, summarize, type ListSubject } from './list';
import type { StateFacts } from './state';

const st = (status: StateFacts['status'], exitCode = 0): StateFacts => ({
  status,
  pid: 1,
  exitCode,
  oomKilled: false,
  startedAt: '2024-01-01T00:00:00Z',
  finishedAt: status === 'exited' ? '2024-01-01T00:00:01Z' : undefined,
  error: '',
  health: undefined,
});

function item(id: string, name: string, status: StateFacts['status'], extra: Partial<ListSubject> = {}): ListSubject {
  return {
    id: id.padEnd(64, '0'),
    names: [`/${name}`],
    image: 'busybox',
    imageId: 'sha256:aaa',
    imageRefs: ['busybox:latest'],
    command: 'sh',
    createdNs: BigInt(id.charCodeAt(0)) * 1000n,
    labels: {},
    state: st(status),
    ports: [],
    exposed: [],
    mounts: [],
    networkMode: 'bridge',
    networks: { bridge: {} },
    networkIds: { bridge: 'netid1' },
    ...extra,
  };
}

const items = [
  item('a', 'web', 'running', {
    labels: { tier: 'front' },
    ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }],
    exposed: ['80/tcp'],
  }),
  item('b', 'db', 'exited', { state: st('exited', 3), labels: { tier: 'back' } }),
  item('c', 'cache', 'paused'),
  item('d', 'job', 'created', { image: 'alpine', imageId: 'sha256:bbb', imageRefs: ['alpine:latest'] }),
];
const list = (filters: string, all = false, limit?: number): string[] =>
  filterContainers(items, {
    all,
    limit,
    filters: parseFilters(filters),
    createdOf: (r) => items.find((i) => i.names[0] === `/${r}`)!.createdNs,
  }).map((i) => i.names[0]!);

describe('container list filters', () => {
  it('shows running and paused by default, all with -a, newest first', () => {
    expect(list('')).toEqual(['/cache', '/web']);
    expect(list('', true)).toEqual(['/job', '/cache', '/db', '/web']);
    expect(list('', true, 2)).toEqual(['/job', '/cache']);
  });
  it('filters by status, exited, label, name, id, ancestor, publish, before/since', () => {
    expect(list('{"status":["exited"]}')).toEqual(['/db']);
    expect(list('{"exited":["3"]}')).toEqual(['/db']);
    expect(list('{"exited":["0"]}')).toEqual([]);
    expect(list('{"label":["tier=back"]}', true)).toEqual(['/db']);
    expect(list('{"label":["tier"]}', true)).toEqual(['/db', '/web']);
    expect(list('{"name":["^we"]}', true)).toEqual(['/web']);
    expect(list('{"id":["c000"]}', true)).toEqual(['/cache']);
    expect(list('{"ancestor":["alpine"]}', true)).toEqual(['/job']);
    expect(list('{"ancestor":["alpine:latest"]}', true)).toEqual(['/job']);
    expect(list('{"publish":["8080"]}', true)).toEqual(['/web']);
    expect(list('{"expose":["80/tcp"]}', true)).toEqual(['/web']);
    expect(list('{"before":["cache"]}', true)).toEqual(['/db', '/web']);
    expect(list('{"since":["db"]}', true)).toEqual(['/job', '/cache']);
  });
  it('rejects unknown filters and values', () => {
    expect(() => list('{"colour":["red"]}')).toThrow("invalid filter 'colour'");
    expect(() => list('{"status":["sleeping"]}')).toThrow("invalid filter 'status=sleeping'");
  });
  it('summarises like docker ps expects', () => {
    const s = summarize(items[0]!, false, Date.parse('2024-01-01T00:00:05Z'));
    expect(s).toMatchObject({
      Names: ['/web'],
      State: 'running',
      Status: 'Up 5 seconds',
      Created: 0,
      HostConfig: { NetworkMode: 'bridge' },
    });
    expect(commandText('sh', ['-c', 'echo hi'])).toBe("sh -c 'echo hi'");
  });
});
