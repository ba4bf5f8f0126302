import { expect, it } from 'vitest';
import type { ContainerService } from '../../containers/service';
import type { RunIO } from '../backend';
import type { RunStep } from '../planner/types';
import { runContainer, type RunSettings } from './run-container';

const SETTINGS: RunSettings = {
  removeContainers: true,
  networkMode: '',
  extraHosts: [],
  shmSize: 0,
  memory: 0,
  memorySwap: 0,
  cpuShares: 0,
  cpuQuota: 0,
  cpuPeriod: 0,
  cpusetCpus: '',
  cpusetMems: '',
};

const STEP = {
  op: 'run',
  argv: ['/bin/sh', '-c', 'yes'],
  env: [],
  user: '',
  workdir: '/',
  network: 'default',
  security: 'sandbox',
  mounts: [],
  bindSources: [],
  mountSources: [],
  files: [],
} as unknown as RunStep;

it('stops reading (and pauses the container) while the client is behind, resumes when it caught up', async () => {
  const events: string[] = [];
  const chunks = ['a\n', 'b\n', 'c\n'];
  const containers = {
    create: async () => ({ Id: 'c1' }),
    attach: async () => ({
      output: (async function* () {
        for (const c of chunks) {
          events.push(`read ${c.trim()}`);
          yield { stream: 'stdout', data: Buffer.from(c) };
        }
      })(),
      close: () => undefined,
    }),
    wait: async () => async () => ({ StatusCode: 0 }),
    start: async () => undefined,
    pause: async () => void events.push('pause'),
    unpause: async () => void events.push('unpause'),
    kill: async () => undefined,
  } as unknown as ContainerService;
  let release: () => void = () => undefined;
  let behind: Promise<void> | undefined = new Promise<void>((r) => (release = r));
  const io: RunIO = {
    stdout: (t) => void events.push(`out ${t.trim()}`),
    stderr: () => undefined,
    progress: () => undefined,
    signal: new AbortController().signal,
    onContainer: () => undefined,
    backlog: () => behind,
  };
  const done = runContainer(
    containers,
    'sha256:x',
    STEP,
    io,
    SETTINGS,
    { scratch: '/tmp', cacheMounts: '/tmp' },
    () => {
      /* tracked */
    },
  );
  await new Promise((r) => setTimeout(r, 50));
  expect(events).toEqual(['read a', 'out a', 'pause']);
  behind = undefined;
  release();
  expect(await done).toBe('c1');
  expect(events).toEqual(['read a', 'out a', 'pause', 'unpause', 'read b', 'out b', 'read c', 'out c']);
});
