/**
 * Terminal sessions: an exec in a container, attached through a hijacked connection (stdin in,
 * stdout/stderr out), resizable, ending with the command's exit code. Output is decoded as UTF-8
 * without splitting characters across messages. Closing the session closes the connection (and
 * with it the shell's stdin).
 */
import type { Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import type { ExecEvent, ExecSpec } from '../../contract/models/containers';
import { Demuxer } from './demux';

export interface ExecSession {
  readonly execId: string;
  input(data: string): void;
  resize(cols: number, rows: number): Promise<void>;
  close(): void;
}

export async function startExec(
  docker: Dockerode,
  spec: ExecSpec,
  sink: { data(e: ExecEvent): void; end(err?: unknown): void },
): Promise<ExecSession> {
  const container = docker.getContainer(spec.containerId);
  const exec = await container.exec({
    Cmd: spec.cmd,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: spec.tty,
    ...(spec.env ? { Env: spec.env.map((e) => `${e.name}=${e.value}`) } : {}),
    ...(spec.user ? { User: spec.user } : {}),
    ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
    ...(spec.tty && spec.cols && spec.rows ? { ConsoleSize: [spec.rows, spec.cols] } : {}),
  } as Dockerode.ExecCreateOptions);
  const stream = (await exec.start({
    hijack: true,
    stdin: true,
    Tty: spec.tty,
  } as Dockerode.ExecStartOptions)) as Duplex;
  let closed = false;
  const demux = new Demuxer(!spec.tty, (s, data) => sink.data({ type: 'output', stream: s, data }));
  const onData = (c: Buffer): void => demux.write(c);
  const finish = (err?: unknown): void => {
    if (closed) return;
    closed = true;
    demux.end();
    stream.removeListener('data', onData);
    exec.inspect().then(
      (info) => {
        sink.data({ type: 'exit', exitCode: (info as { ExitCode?: number | null }).ExitCode ?? null });
        sink.end(err);
      },
      () => {
        sink.data({ type: 'exit', exitCode: null });
        sink.end(err);
      },
    );
  };
  stream.on('data', onData);
  stream.once('end', () => finish());
  stream.once('close', () => finish());
  stream.once('error', (err) => finish(err));
  if (spec.tty && spec.cols && spec.rows) await exec.resize({ h: spec.rows, w: spec.cols }).catch(() => undefined);
  return {
    execId: exec.id,
    input(data) {
      if (!closed) stream.write(data);
    },
    async resize(cols, rows) {
      if (!spec.tty) return;
      await exec.resize({ h: rows, w: cols });
    },
    close() {
      if (closed) return;
      closed = true;
      stream.removeListener('data', onData);
      stream.destroy();
    },
  };
}
