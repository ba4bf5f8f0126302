/** The fake engine's container and exec endpoints, shaped like the Docker Engine API's. */
import { bool, frame, type Ctx, type MiniRouter } from './http';
import { hex, type FContainer, type World } from './state';

function summary(w: World, c: FContainer): object {
  const hc = (c.body.HostConfig ?? {}) as Record<string, unknown>;
  const bindings = (hc.PortBindings ?? {}) as Record<string, Array<{ HostIp?: string; HostPort?: string }>>;
  const ports = Object.entries(bindings).flatMap(([k, bs]) =>
    bs.map((b) => ({
      IP: b.HostIp || '0.0.0.0',
      PrivatePort: Number(k.split('/')[0]),
      PublicPort: Number(b.HostPort) || 32768,
      Type: k.split('/')[1] ?? 'tcp',
    })),
  );
  const net = String(hc.NetworkMode ?? 'bridge');
  const status =
    c.state === 'running'
      ? 'Up 1 second'
      : c.state === 'paused'
        ? 'Up 1 second (Paused)'
        : c.state === 'exited'
          ? `Exited (${c.exitCode}) 1 second ago`
          : 'Created';
  const binds = (hc.Binds ?? []) as string[];
  return {
    Id: c.id,
    Names: [`/${c.name}`],
    Image: c.image,
    ImageID: c.imageId,
    Command: ((c.body.Cmd as string[]) ?? ['sh']).join(' '),
    Created: c.created,
    State: c.state,
    Status: status,
    Ports: ports,
    Labels: (c.body.Labels as Record<string, string>) ?? {},
    NetworkSettings: {
      Networks: {
        [net]: {
          NetworkID: w.findNetwork(net)?.Id ?? '',
          IPAddress: c.state === 'running' ? '172.17.0.2' : '',
          MacAddress: '02:42:ac:11:00:02',
        },
      },
    },
    Mounts: binds.map((b) => {
      const [src, dst, mode] = b.split(':');
      const isVol = !src!.startsWith('/');
      return {
        Type: isVol ? 'volume' : 'bind',
        Name: isVol ? src : undefined,
        Source: src,
        Destination: dst,
        RW: mode !== 'ro',
      };
    }),
  };
}

function inspect(w: World, c: FContainer): object {
  const s = summary(w, c) as Record<string, unknown>;
  return {
    Id: c.id,
    Name: `/${c.name}`,
    Created: new Date(c.created * 1000).toISOString(),
    Image: c.imageId,
    RestartCount: 0,
    State: {
      Status: c.state,
      Running: c.state === 'running' || c.state === 'paused',
      Paused: c.state === 'paused',
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: c.state === 'running' ? 4242 : 0,
      ExitCode: c.exitCode,
      Error: '',
      StartedAt: c.startedAt,
      FinishedAt: c.finishedAt,
    },
    Config: {
      ...c.body,
      Image: c.image,
      Tty: c.tty,
      Env: c.body.Env ?? ['PATH=/usr/bin:/bin'],
      Cmd: c.body.Cmd ?? ['sh'],
      Hostname: c.id.slice(0, 12),
    },
    HostConfig: c.body.HostConfig ?? {},
    NetworkSettings: { Networks: (s.NetworkSettings as { Networks: object }).Networks, Ports: {} },
    Mounts: s.Mounts,
  };
}

function usedPorts(w: World, except: FContainer): Set<string> {
  const used = new Set<string>();
  for (const c of w.containers.values()) {
    if (c === except || c.state !== 'running') continue;
    const b = ((c.body.HostConfig as Record<string, unknown> | undefined)?.PortBindings ?? {}) as Record<
      string,
      Array<{ HostPort?: string }>
    >;
    for (const bs of Object.values(b)) for (const x of bs) if (x.HostPort) used.add(x.HostPort);
  }
  return used;
}

function start(w: World, c: FContainer, ctx: Ctx): void {
  if (c.state === 'running') return ctx.status(304);
  const cmd = (c.body.Cmd as string[] | undefined) ?? [];
  if (cmd[0] === 'no-such-binary')
    return ctx.error(400, 'failed to create task: exec: "no-such-binary": executable file not found in $PATH');
  const b = ((c.body.HostConfig as Record<string, unknown> | undefined)?.PortBindings ?? {}) as Record<
    string,
    Array<{ HostPort?: string }>
  >;
  const used = usedPorts(w, c);
  for (const bs of Object.values(b))
    for (const x of bs)
      if (x.HostPort && used.has(x.HostPort))
        return ctx.error(
          500,
          `driver failed programming external connectivity: Bind for 0.0.0.0:${x.HostPort} failed: port is already allocated`,
        );
  c.state = 'running';
  c.startedAt = new Date().toISOString();
  w.emit('container', 'start', c.id, { name: c.name, image: c.image });
  w.log(c, 1, `hello from ${c.name}\n`);
  w.log(c, 2, `a warning from ${c.name}\n`);
  ctx.status(204);
}

function stop(w: World, c: FContainer, code: number): void {
  if (c.state !== 'running' && c.state !== 'paused') return;
  c.state = 'exited';
  c.exitCode = code;
  c.finishedAt = new Date().toISOString();
  w.emit('container', 'die', c.id, { name: c.name, exitCode: String(code) });
  for (const f of [...c.logListeners]) f(null);
}

export function containerRoutes(r: MiniRouter, w: World): void {
  const get = (ctx: Ctx): FContainer | undefined => {
    const c = w.findContainer(ctx.params.id!);
    if (!c) ctx.error(404, `No such container: ${ctx.params.id}`);
    return c;
  };
  r.on('GET', '/containers/json', (ctx) => {
    const all = bool(ctx.query, 'all');
    ctx.json(
      200,
      [...w.containers.values()]
        .filter((c) => all || c.state === 'running' || c.state === 'paused')
        .map((c) => summary(w, c)),
    );
  });
  r.on('POST', '/containers/create', async (ctx) => {
    const body = (await ctx.body()) as Record<string, unknown>;
    const image = String(body.Image ?? '');
    const img = w.findImage(image);
    if (!img) return ctx.error(404, `No such image: ${image}`);
    const name = ctx.query.get('name') ?? `fake_${hex(8)}`;
    if (w.findContainer(name))
      return ctx.error(
        409,
        `Conflict. The container name "/${name}" is already in use by container "${w.findContainer(name)!.id}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    const hc = (body.HostConfig ?? {}) as Record<string, unknown>;
    if (typeof hc.Memory === 'number' && hc.Memory > 0 && hc.Memory < 6 * 1024 * 1024)
      return ctx.error(400, 'Minimum memory limit allowed is 6MB');
    if (
      hc.NetworkMode &&
      !['bridge', 'host', 'none', 'default'].includes(String(hc.NetworkMode)) &&
      !w.findNetwork(String(hc.NetworkMode))
    )
      return ctx.error(404, `network ${String(hc.NetworkMode)} not found`);
    const c: FContainer = {
      id: hex(),
      name,
      image,
      imageId: img.id,
      body,
      state: 'created',
      created: Math.floor(Date.now() / 1000),
      startedAt: '0001-01-01T00:00:00Z',
      finishedAt: '0001-01-01T00:00:00Z',
      exitCode: 0,
      tty: body.Tty === true,
      logs: [],
      logListeners: new Set(),
      cpu: 0,
    };
    w.containers.set(c.id, c);
    w.emit('container', 'create', c.id, { name, image });
    ctx.json(201, { Id: c.id, Warnings: [] });
  });
  r.on('GET', '/containers/{id}/json', (ctx) => {
    const c = get(ctx);
    if (c) ctx.json(200, inspect(w, c));
  });
  r.on('POST', '/containers/{id}/start', (ctx) => {
    const c = get(ctx);
    if (c) start(w, c, ctx);
  });
  r.on('POST', '/containers/{id}/stop', (ctx) => {
    const c = get(ctx);
    if (!c) return;
    if (c.state !== 'running' && c.state !== 'paused') return ctx.status(304);
    stop(w, c, 0);
    ctx.status(204);
  });
  r.on('POST', '/containers/{id}/restart', (ctx) => {
    const c = get(ctx);
    if (!c) return;
    stop(w, c, 0);
    start(w, c, ctx);
  });
  r.on('POST', '/containers/{id}/kill', (ctx) => {
    const c = get(ctx);
    if (!c) return;
    if (c.state !== 'running') return ctx.error(409, `Container ${c.id} is not running`);
    stop(w, c, 137);
    ctx.status(204);
  });
  for (const [action, from, to] of [
    ['pause', 'running', 'paused'],
    ['unpause', 'paused', 'running'],
  ] as const) {
    r.on('POST', `/containers/{id}/${action}`, (ctx) => {
      const c = get(ctx);
      if (!c) return;
      if (c.state !== from) return ctx.error(409, `Container ${c.id} is not ${from}`);
      c.state = to;
      w.emit('container', action, c.id, { name: c.name });
      ctx.status(204);
    });
  }
  r.on('DELETE', '/containers/{id}', (ctx) => {
    const c = get(ctx);
    if (!c) return;
    if (c.state === 'running' && !bool(ctx.query, 'force'))
      return ctx.error(
        409,
        `You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove`,
      );
    stop(w, c, 137);
    w.containers.delete(c.id);
    w.emit('container', 'destroy', c.id, { name: c.name });
    ctx.status(204);
  });
  r.on('POST', '/containers/{id}/rename', (ctx) => {
    const c = get(ctx);
    if (!c) return;
    const name = ctx.query.get('name') ?? '';
    if (w.findContainer(name)) return ctx.error(409, `Conflict. The container name "/${name}" is already in use`);
    c.name = name;
    w.emit('container', 'rename', c.id, { name });
    ctx.status(204);
  });
  r.on('GET', '/containers/{id}/top', (ctx) => {
    const c = get(ctx);
    if (!c) return;
    if (c.state !== 'running') return ctx.error(409, `Container ${c.id} is not running`);
    ctx.json(200, {
      Titles: ['PID', 'USER', 'CMD'],
      Processes: [['4242', 'root', ((c.body.Cmd as string[]) ?? ['sh']).join(' ')]],
    });
  });
  r.on('POST', '/containers/prune', (ctx) => {
    const gone = [...w.containers.values()].filter((c) => c.state === 'exited' || c.state === 'created');
    for (const c of gone) w.containers.delete(c.id);
    ctx.json(200, { ContainersDeleted: gone.map((c) => c.id), SpaceReclaimed: gone.length * 1024 });
  });
  r.on('GET', '/containers/{id}/logs', (ctx) => {
    const c = get(ctx);
    if (!c) return;
    const q = ctx.query;
    const ts = bool(q, 'timestamps');
    const tail = q.get('tail');
    const fmt = (l: { stream: 1 | 2; text: string; ts: string }): Buffer => {
      const text = ts ? `${l.ts} ${l.text}` : l.text;
      return c.tty ? Buffer.from(text) : frame(l.stream, text);
    };
    let lines = c.logs.filter((l) => (l.stream === 1 ? bool(q, 'stdout') : bool(q, 'stderr')));
    if (tail && tail !== 'all') lines = lines.slice(-Number(tail) || lines.length);
    const res = ctx.stream(c.tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream');
    for (const l of lines) res.write(fmt(l));
    if (!bool(q, 'follow') || c.state !== 'running') return res.end();
    const listener = (l: { stream: 1 | 2; text: string; ts: string } | null): void => {
      if (l === null) {
        c.logListeners.delete(listener);
        res.end();
      } else res.write(fmt(l));
    };
    c.logListeners.add(listener);
    res.on('close', () => c.logListeners.delete(listener));
  });
  r.on('GET', '/containers/{id}/stats', (ctx) => {
    const c = get(ctx);
    if (!c) return;
    const res = ctx.stream('application/json');
    let pre = { cpu_usage: { total_usage: c.cpu }, system_cpu_usage: 1e12, online_cpus: 2 };
    const sample = (): void => {
      if (c.state === 'running') c.cpu += 5e7;
      const cur = { cpu_usage: { total_usage: c.cpu }, system_cpu_usage: pre.system_cpu_usage + 1e9, online_cpus: 2 };
      res.write(
        JSON.stringify({
          read: new Date().toISOString(),
          cpu_stats: cur,
          precpu_stats: pre,
          memory_stats: {
            usage: 50 * 1024 * 1024,
            limit: 512 * 1024 * 1024,
            stats: { inactive_file: 10 * 1024 * 1024 },
          },
          networks: { eth0: { rx_bytes: 1000 + c.cpu / 1e6, tx_bytes: 500 } },
          blkio_stats: {
            io_service_bytes_recursive: [
              { op: 'read', value: 4096 },
              { op: 'write', value: 8192 },
            ],
          },
          pids_stats: { current: 3 },
        }) + '\n',
      );
      pre = cur;
    };
    sample();
    if (!bool(ctx.query, 'stream') && ctx.query.get('stream') !== null) return res.end();
    const t = setInterval(sample, w.statsIntervalMs);
    res.on('close', () => clearInterval(t));
  });
  r.on('POST', '/containers/{id}/exec', async (ctx) => {
    const c = get(ctx);
    if (!c) return;
    if (c.state !== 'running') return ctx.error(409, `Container ${c.id} is not running`);
    const body = (await ctx.body()) as { Cmd?: string[]; Tty?: boolean };
    const id = hex();
    w.execs.set(id, {
      id,
      containerId: c.id,
      cmd: body.Cmd ?? [],
      tty: body.Tty === true,
      exitCode: null,
      running: false,
      resizes: [],
    });
    ctx.json(201, { Id: id });
  });
  r.on('POST', '/exec/{id}/start', (ctx) => {
    const e = w.execs.get(ctx.params.id!);
    if (!e) return ctx.error(404, 'No such exec instance');
    const sock = ctx.hijack();
    e.running = true;
    const out = (s: 1 | 2, t: string): void => void sock.write(e.tty ? Buffer.from(t) : frame(s, t));
    const finish = (code: number): void => {
      e.exitCode = code;
      e.running = false;
      sock.end();
    };
    if (e.cmd[0] === 'echo') {
      out(1, e.cmd.slice(1).join(' ') + '\n');
      return finish(0);
    }
    // A tiny shell: echoes its input; "exit N" ends it with code N.
    let buf = '';
    sock.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0 || (nl = buf.indexOf('\r')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^exit(?: (\d+))?$/.exec(line.trim());
        if (m) return finish(Number(m[1] ?? 0));
        out(1, `${line}\n`);
        if (line.includes('stderr')) out(2, 'to stderr\n');
      }
    });
    sock.on('end', () => finish(0));
    sock.on('error', () => undefined);
  });
  r.on('POST', '/exec/{id}/resize', (ctx) => {
    const e = w.execs.get(ctx.params.id!);
    if (!e) return ctx.error(404, 'No such exec instance');
    e.resizes.push({ h: Number(ctx.query.get('h')), w: Number(ctx.query.get('w')) });
    ctx.status(200); // moby answers 200 here (dockerode accepts nothing else)
  });
  r.on('GET', '/exec/{id}/json', (ctx) => {
    const e = w.execs.get(ctx.params.id!);
    if (!e) return ctx.error(404, 'No such exec instance');
    ctx.json(200, { ID: e.id, Running: e.running, ExitCode: e.exitCode, ContainerID: e.containerId });
  });
}
