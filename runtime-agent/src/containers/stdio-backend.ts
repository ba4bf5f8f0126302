/**
 * logs, attach and exec for the API: the runtime's callbacks and generators turned into the
 * routes' StdioSession / LogEntry streams, ended when the process ends.
 */
import type { AttachOptions, LogEntry, LogOptions, OutputChunk, StdioSession } from '../api/routes/containers/backend';
import type { ExecCreateRequest } from '../api/routes/exec/backend';
import { Conflict, NotFound } from '../errdefs';
import type { ContainerRuntime } from '../runtime/runtime';
import type { ContainerEvent } from '../runtime/events';
import { ChunkQueue } from './chunk-queue';

function toNs(time: string): bigint {
  const ms = Date.parse(time);
  const frac = /\.(\d+)/.exec(time)?.[1] ?? '';
  const subMs = BigInt((frac + '000000000').slice(3, 9));
  return BigInt(ms) * 1_000_000n + subMs;
}

export async function readLogs(
  rt: ContainerRuntime,
  ref: string,
  o: LogOptions,
  signal: AbortSignal,
): Promise<{ tty: boolean; entries: AsyncIterable<LogEntry> }> {
  const rec = rt.inspect(ref);
  const running = rec.state.status === 'running' || rec.state.status === 'paused' || rec.state.status === 'restarting';
  const gen = rt.logs(rec.id, {
    stdout: o.stdout,
    stderr: o.stderr,
    ...(o.sinceNs !== undefined ? { since: Number(o.sinceNs) / 1e9 } : {}),
    ...(o.untilNs !== undefined ? { until: Number(o.untilNs) / 1e9 } : {}),
    ...(o.tail !== undefined ? { tail: o.tail } : {}),
    follow: o.follow && running,
    signal,
  });
  async function* entries(): AsyncIterable<LogEntry> {
    for await (const e of gen) {
      yield { stream: e.stream, data: Buffer.from(e.log), timeNs: toNs(e.time) };
    }
  }
  return { tty: rec.spec.tty, entries: entries() };
}

/** Resolve when the container's process ends (its `die` event), or at once if not running. */
function onExit(rt: ContainerRuntime, id: string, fn: () => void): () => void {
  const listener = (e: ContainerEvent): void => {
    if (e.id === id && (e.action === 'die' || e.action === 'destroy')) {
      // Output the runtime delivered just before the event is queued first.
      setImmediate(fn);
    }
  };
  rt.on('event', listener);
  return () => rt.off('event', listener);
}

export async function attachContainer(rt: ContainerRuntime, ref: string, o: AttachOptions): Promise<StdioSession> {
  const rec = rt.inspect(ref);
  const queue = new ChunkQueue<OutputChunk>();
  const live =
    rec.state.status === 'created' ||
    rec.state.status === 'running' ||
    rec.state.status === 'paused' ||
    rec.state.status === 'restarting';
  if (o.logs) {
    for await (const e of rt.logs(rec.id, { stdout: o.stdout, stderr: o.stderr, follow: false })) {
      queue.push({ stream: e.stream, data: Buffer.from(e.log) });
    }
  }
  if (!o.stream || (!live && !o.stdin)) {
    queue.end();
    return {
      tty: rec.spec.tty,
      output: queue,
      writeStdin: () => undefined,
      endStdin: () => undefined,
      close: () => queue.end(),
    };
  }
  const session = rt.attach(rec.id, { stdin: o.stdin, stdout: o.stdout, stderr: o.stderr }, (stream, data) =>
    queue.push({ stream, data }),
  );
  const stopWatching = onExit(rt, rec.id, () => {
    session.detach();
    queue.end();
  });
  return {
    tty: rec.spec.tty,
    output: queue,
    writeStdin: (d) => session.write(d),
    endStdin: () => {
      if (rec.spec.stdinOnce) session.closeStdin();
    },
    close: () => {
      stopWatching();
      session.detach();
      queue.end();
    },
  };
}

interface ExecMeta {
  req: ExecCreateRequest;
  containerId: string;
}

/** Exec instances as the Engine API sees them (create, start, resize, inspect). */
export class ExecRegistry {
  private readonly meta = new Map<string, ExecMeta>();

  constructor(private readonly rt: ContainerRuntime) {}

  create(ref: string, req: ExecCreateRequest): { Id: string } {
    const rec = this.rt.inspect(ref);
    if (rec.state.status === 'paused')
      throw new Conflict(`Container ${rec.id} is paused, unpause the container before exec`);
    if (rec.state.status !== 'running') throw new Conflict(`Container ${rec.id} is not running`);
    const info = this.rt.exec.create(rec.id, {
      cmd: req.Cmd,
      env: req.Env,
      ...(req.User ? { user: req.User } : {}),
      ...(req.WorkingDir ? { workingDir: req.WorkingDir } : {}),
      tty: req.Tty,
      attachStdin: req.AttachStdin,
      privileged: req.Privileged,
    });
    this.meta.set(info.id, { req, containerId: rec.id });
    return { Id: info.id };
  }

  async start(
    id: string,
    o: { detach: boolean; tty: boolean; consoleSize: [number, number] | null },
  ): Promise<StdioSession | undefined> {
    const meta = this.meta.get(id);
    if (!meta) throw new NotFound(`No such exec instance: ${id}`);
    const queue = new ChunkQueue<OutputChunk>();
    const wantOut = (s: 'stdout' | 'stderr'): boolean =>
      s === 'stdout' ? meta.req.AttachStdout : meta.req.AttachStderr;
    const size = o.consoleSize ?? meta.req.ConsoleSize;
    const session = await this.rt.exec.start(id, (stream, data) => wantOut(stream) && queue.push({ stream, data }), {
      ...(size ? { ttySize: { rows: size[0], cols: size[1] } } : {}),
      detach: o.detach,
    });
    if (o.detach) return undefined;
    void session.exited.then(
      () => queue.end(),
      () => queue.end(),
    );
    return {
      tty: session.tty,
      output: queue,
      writeStdin: (d) => session.write(d),
      endStdin: () => session.closeStdin(),
      close: () => queue.end(),
    };
  }

  resize(id: string, h: number, w: number): void {
    this.rt.exec.resize(id, h, w);
  }

  inspect(id: string): Record<string, unknown> {
    const info = this.rt.exec.inspect(id);
    const meta = this.meta.get(id);
    const req = meta?.req;
    return {
      CanRemove: false,
      ContainerID: info.containerId,
      DetachKeys: req?.DetachKeys ?? '',
      ExitCode: info.exitCode,
      ID: info.id,
      OpenStderr: req?.AttachStderr ?? false,
      OpenStdin: req?.AttachStdin ?? false,
      OpenStdout: req?.AttachStdout ?? false,
      ProcessConfig: {
        arguments: info.opts.cmd.slice(1),
        entrypoint: info.opts.cmd[0] ?? '',
        privileged: false,
        tty: !!info.opts.tty,
        user: info.opts.user ?? '',
      },
      Running: info.running,
      Pid: info.pid,
    };
  }

  idsOf(containerId: string): string[] {
    return [...this.meta.entries()].filter(([, m]) => m.containerId === containerId).map(([id]) => id);
  }

  forget(containerId: string): void {
    for (const [id, m] of this.meta) if (m.containerId === containerId) this.meta.delete(id);
  }
}
