/**
 * An in-page `window.berth` for the UI scale test: the real UI (stores, virtual list) in real
 * chromium, fed with N generated containers and live stats, without an engine. Installed with
 * page.addInitScript before the app loads (the app uses an existing window.berth as is). It counts
 * every call in window.__berthCalls so a test can check that nothing polls.
 * Self-contained: it is serialised into the page.
 */
export interface FakeBerthOptions {
  containers: number;
  now: number;
}

export function installFakeBerth(o: FakeBerthOptions): void {
  const w = window as unknown as Record<string, unknown>;
  const calls: string[] = [];
  w.__berthCalls = calls;
  const host = {
    id: 'fake',
    name: 'Scale test host',
    kind: 'local',
    config: { kind: 'local', socketPath: '/run/fake.sock' },
    autoConnect: true,
    builtin: false,
    state: {
      status: 'connected',
      engine: { flavour: 'berth', version: 'fake', apiVersion: '1.45', os: 'linux', arch: 'amd64' },
    },
  };
  const projects = ['shop', 'analytics', 'search', 'auth', 'media'];
  const images = ['nginx:1.27', 'redis:7', 'postgres:16', 'busybox:latest', 'node:20-slim', 'grafana/grafana:11'];
  const states = ['running', 'running', 'running', 'exited', 'paused', 'created'];
  const containers = Array.from({ length: o.containers }, (_, i) => {
    const state = states[i % states.length];
    const project = i % 3 === 0 ? undefined : projects[i % projects.length];
    const id = (i.toString(16).padStart(8, '0') + 'c0ffee'.repeat(10)).slice(0, 64);
    return {
      id,
      name: `${project ?? 'app'}-${['web', 'worker', 'db', 'cache'][i % 4]}-${i}`,
      image: images[i % images.length],
      imageId: `sha256:${id}`,
      command: 'sh',
      created: Math.floor(o.now / 1000) - i * 97,
      state,
      status: state === 'running' ? 'Up 2 hours' : 'Exited (0) 1 hour ago',
      health: i % 7 === 0 ? 'healthy' : i % 29 === 0 ? 'unhealthy' : 'none',
      ports: i % 4 === 0 ? [{ privatePort: 80, publicPort: 20000 + i, protocol: 'tcp', hostIp: '0.0.0.0' }] : [],
      labels: project ? { 'com.docker.compose.project': project } : {},
      ...(project ? { composeProject: project, composeService: 'svc' } : {}),
      networks: ['bridge'],
      mounts: [],
    };
  });
  const info = {
    hostId: 'fake',
    engine: host.state.engine,
    name: 'fake',
    serverVersion: 'fake',
    operatingSystem: 'Debian GNU/Linux 12',
    kernelVersion: '6.1',
    architecture: 'x86_64',
    ncpu: 2,
    memTotal: 24 * 1024 ** 3,
    dataRoot: '/var/lib/berth',
    cgroupVersion: '2',
    containers: {
      total: o.containers,
      running: containers.filter((c) => c.state === 'running').length,
      paused: 0,
      stopped: 0,
    },
    images: images.length,
    warnings: [],
  };
  const answers: Record<string, (req: Record<string, unknown>) => unknown> = {
    'app:info': () => ({ version: '0.1.0', mode: 'web', platform: 'linux', arch: 'x64' }),
    'hosts:list': () => [host],
    'hosts:info': () => info,
    'prompts:list': () => [],
    'tasks:list': () => [],
    'containers:list': (req) => {
      const ids = (req.filters as { id?: string[] } | undefined)?.id;
      return ids ? containers.filter((c) => ids.some((x) => c.id.startsWith(x))) : containers;
    },
    'containers:inspect': (req) => {
      const c = containers.find((x) => x.id === req.id) ?? containers[0]!;
      return {
        id: c.id,
        name: c.name,
        image: c.image,
        imageId: c.imageId,
        created: new Date(c.created * 1000).toISOString(),
        restartCount: 0,
        state: {
          status: c.state,
          running: c.state === 'running',
          paused: c.state === 'paused',
          restarting: false,
          oomKilled: false,
          pid: 4242,
          exitCode: 0,
          error: '',
          startedAt: new Date(c.created * 1000).toISOString(),
          finishedAt: '0001-01-01T00:00:00Z',
        },
        config: {
          cmd: ['sh', '-c', 'serve'],
          entrypoint: [],
          env: [{ name: 'PATH', value: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin' }],
          workingDir: '/',
          user: '',
          hostname: c.id.slice(0, 12),
          tty: false,
          openStdin: false,
          labels: c.labels,
          exposedPorts: ['80/tcp'],
        },
        hostConfig: {
          restartPolicy: { name: 'unless-stopped' },
          autoRemove: false,
          networkMode: 'bridge',
          privileged: false,
          limits: { memoryBytes: 256 * 1024 * 1024 },
        },
        ports: c.ports,
        mounts: [],
        networks: [
          {
            name: 'bridge',
            networkId: 'n1',
            ipAddress: '172.17.0.2',
            gateway: '172.17.0.1',
            macAddress: '02:42:ac:11:00:02',
          },
        ],
        raw: { Id: c.id, Name: `/${c.name}` },
      };
    },
    'images:list': () =>
      images.map((tag, i) => ({
        id: `sha256:${String(i).repeat(64).slice(0, 64)}`,
        repoTags: [tag],
        repoDigests: [],
        created: Math.floor(o.now / 1000) - i * 86400,
        size: (i + 1) * 23_000_000,
        labels: {},
        containers: Math.floor(o.containers / images.length),
        dangling: false,
      })),
    'volumes:list': () => [],
    'networks:list': () => [],
    'builds:list': () => [],
  };
  const timers = new Set<ReturnType<typeof setInterval>>();
  const openStats = new Set<string>();
  w.__berthOpenStats = openStats;
  w.berth = {
    mode: 'web',
    invoke(channel: string, req: Record<string, unknown>) {
      calls.push(channel);
      const a = answers[channel];
      return Promise.resolve(
        a
          ? { ok: true, value: a(req) }
          : { ok: false, error: { code: 'NotImplemented', message: `${channel} is not in the fake` } },
      );
    },
    on() {
      return () => undefined;
    },
    subscribe(topic: string, args: { id?: string }, h: { data(p: unknown): void; open?(i: unknown): void }) {
      calls.push(`subscribe:${topic}`);
      let timer: ReturnType<typeof setInterval> | undefined;
      setTimeout(() => h.open?.({}), 0);
      if (topic === 'containers:logs') {
        setTimeout(
          () =>
            h.data(
              Array.from({ length: 200 }, (_, i) => ({
                stream: i % 17 === 0 ? 'stderr' : 'stdout',
                text: i % 17 === 0 ? `warning: slow request ${i}` : `GET /api/items/${i} 200 ${(i * 7) % 90} ms`,
                ts: new Date(o.now - (200 - i) * 1000).toISOString(),
              })),
            ),
          10,
        );
        return () => undefined;
      }
      if (topic === 'containers:stats' && args.id) {
        const key = args.id;
        openStats.add(key);
        let rx = 0;
        timer = setInterval(() => {
          rx += 1000 + Math.random() * 5000;
          h.data({
            read: new Date().toISOString(),
            cpuPercent: Math.random() * 40,
            onlineCpus: 2,
            memUsage: (20 + Math.random() * 30) * 1024 * 1024,
            memLimit: 256 * 1024 * 1024,
            memPercent: 10,
            netRx: rx,
            netTx: rx / 2,
            blockRead: 0,
            blockWrite: 0,
            pids: 3,
          });
        }, 1000);
        timers.add(timer);
        return () => {
          openStats.delete(key);
          if (timer) {
            clearInterval(timer);
            timers.delete(timer);
          }
        };
      }
      return () => undefined;
    },
    upload() {
      return Promise.resolve({ ok: false, error: { code: 'NotImplemented', message: 'no uploads in the fake' } });
    },
    onConnection() {
      return () => undefined;
    },
  };
}
