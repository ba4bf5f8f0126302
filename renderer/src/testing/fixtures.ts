/** Contract objects for tests. */
import type { ContainerSummary, HostSummary } from '@contract';

export const CONNECTED: HostSummary['state'] = {
  status: 'connected',
  engine: { flavour: 'berth', version: '1', apiVersion: '1.45', os: 'linux', arch: 'amd64' },
};

export function hostSummary(id = 'h1', state: HostSummary['state'] = CONNECTED): HostSummary {
  return {
    id,
    name: `Host ${id}`,
    kind: 'local',
    config: { kind: 'local', socketPath: '/s' },
    autoConnect: true,
    builtin: false,
    state,
  };
}

export function containerSummary(i: number, over: Partial<ContainerSummary> = {}): ContainerSummary {
  return {
    id: `${i.toString(16).padStart(6, '0')}${'f'.repeat(58)}`,
    name: `box-${i}`,
    image: i % 2 ? 'redis:7' : 'busybox',
    imageId: 'sha256:x',
    command: 'sh',
    created: 1_700_000_000 - i,
    state: i % 3 === 2 ? 'exited' : 'running',
    status: '',
    health: 'none',
    ports: [],
    labels: {},
    networks: [],
    mounts: [],
    ...over,
  };
}
