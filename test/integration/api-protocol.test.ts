/**
 * The Engine API's stream protocol against the real docker CLI, with a scripted container
 * backend (a fake is right here: this tests the HTTP layer — 101 hijack, stdcopy frames,
 * wait headers before start, stdin half-close, detach keys — not the runtime; the runtime is
 * tested through the same routes in the engine suites).
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiServer } from '../../runtime-agent/src/api/server';
import { Router } from '../../runtime-agent/src/api/router';
import { registerSystemRoutes } from '../../runtime-agent/src/api/routes/system';
import { registerContainerRoutes, type ContainersBackend } from '../../runtime-agent/src/api/routes/containers';
import type { OutputChunk, StdioSession, WaitResult } from '../../runtime-agent/src/api/routes/containers/backend';
import { nullLogger } from '../../runtime-agent/src/daemon/logger';
import { NotFound } from '../../runtime-agent/src/errdefs';
import { readHostInfo } from '../../runtime-agent/src/daemon/host-info';
import { describeIf } from '../support/env';
import { docker } from '../support/docker-cli';

interface Scripted {
  id: string;
  cmd: string[];
  openStdin: boolean;
  tty: boolean;
  started: boolean;
  exited: boolean;
  stdin: Buffer[];
  events: EventEmitter;
  exitCode: number;
  stdinEnded: boolean;
}

/** A container whose "process" echoes its command (`echo …`) or its stdin (`cat`), then exits. */
class ScriptedBackend {
  readonly containers = new Map<string, Scripted>();
  readonly calls: string[] = [];

  private get(ref: string): Scripted {
    const c = this.containers.get(ref) ?? [...this.containers.values()].find((x) => x.id.startsWith(ref));
    if (!c) throw new NotFound(`No such container: ${ref}`);
    return c;
  }

  private run(c: Scripted): void {
    c.started = true;
    const finish = (code: number): void => {
      c.exitCode = code;
      c.exited = true;
      c.events.emit('exit');
    };
    if (c.cmd[0] === 'echo') {
      setImmediate(() => {
        c.events.emit('out', { stream: 'stdout', data: Buffer.from(c.cmd.slice(1).join(' ') + '\n') });
        c.events.emit('out', { stream: 'stderr', data: Buffer.from('to stderr\n') });
        finish(7);
      });
    } else if (c.cmd[0] === 'cat') {
      const flush = (): void => {
        for (const b of c.stdin.splice(0)) c.events.emit('out', { stream: 'stdout', data: b });
        if (c.stdinEnded) finish(0);
      };
      c.events.on('stdin', flush);
      flush();
    } else finish(127);
  }

  backend(): ContainersBackend {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the backend object's methods close over the script
    const self = this;
    const unused = (): never => {
      throw new Error('not used by this test');
    };
    return {
      async create(req) {
        const id = (Math.random().toString(16).slice(2) + '0'.repeat(64)).slice(0, 64);
        self.containers.set(id, {
          id,
          cmd: req.config.Cmd ?? [],
          openStdin: req.config.OpenStdin,
          tty: req.config.Tty,
          started: false,
          exited: false,
          stdin: [],
          events: new EventEmitter(),
          exitCode: 0,
          stdinEnded: false,
        });
        self.calls.push('create');
        return { Id: id, Warnings: [] };
      },
      async start(ref) {
        self.calls.push('start');
        self.run(self.get(ref));
      },
      async wait(ref, condition) {
        const c = self.get(ref);
        self.calls.push(`wait:${condition}`);
        return () =>
          new Promise<WaitResult>((resolve) => {
            if (c.exited) resolve({ StatusCode: c.exitCode, Error: null });
            else c.events.once('exit', () => resolve({ StatusCode: c.exitCode, Error: null }));
          });
      },
      async attach(ref) {
        const c = self.get(ref);
        self.calls.push('attach');
        const queue: OutputChunk[] = [];
        let wake: (() => void) | undefined;
        let closed = false;
        const onOut = (o: OutputChunk): void => {
          queue.push(o);
          wake?.();
        };
        const onExit = (): void => {
          closed = true;
          wake?.();
        };
        c.events.on('out', onOut);
        c.events.on('exit', onExit);
        const session: StdioSession = {
          tty: c.tty,
          output: (async function* () {
            for (;;) {
              while (queue.length) yield queue.shift()!;
              if (closed) return;
              await new Promise<void>((r) => (wake = r));
            }
          })(),
          writeStdin(d) {
            c.stdin.push(d);
            c.events.emit('stdin');
          },
          endStdin() {
            c.stdinEnded = true;
            c.events.emit('stdin');
          },
          close() {
            closed = true;
            c.events.off('out', onOut);
            wake?.();
          },
        };
        return session;
      },
      async remove(ref) {
        self.containers.delete(self.get(ref).id);
        self.calls.push('remove');
      },
      async inspect(ref) {
        const c = self.get(ref);
        return {
          Id: c.id,
          Config: { Tty: c.tty, OpenStdin: c.openStdin },
          State: { Running: c.started && !c.exited, ExitCode: c.exitCode },
        };
      },
      list: unused,
      stop: unused,
      restart: unused,
      kill: async () => undefined,
      pause: unused,
      unpause: unused,
      rename: unused,
      update: unused,
      resize: async () => undefined,
      top: unused,
      changes: unused,
      stats: unused,
      logs: unused,
      export: unused,
      statPath: unused,
      getArchive: unused,
      putArchive: unused,
      prune: unused,
    };
  }
}

describeIf('Engine API stream protocol with the docker CLI', { commands: ['/usr/local/bin/docker'] }, () => {
  let server: ApiServer;
  let sock: string;
  let dir: string;
  const scripted = new ScriptedBackend();
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-proto-'));
    sock = path.join(dir, 'api.sock');
    const router = new Router();
    registerSystemRoutes(router, {
      host: readHostInfo,
      facts: () => ({
        id: 'x',
        dataRoot: dir,
        execRoot: dir,
        insecureRegistries: [],
        debug: false,
        startedAt: new Date(),
      }),
      counts: () => ({ containers: 0, running: 0, paused: 0, stopped: 0, images: 0 }),
      securityOptions: () => [],
      networkDrivers: () => [],
      eventListeners: () => 0,
      warnings: () => [],
    });
    registerContainerRoutes(router, scripted.backend());
    server = new ApiServer({ router, log: nullLogger });
    await server.listen(sock);
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('docker run: attach (101), wait before start, demultiplexed output, exit code', async () => {
    scripted.calls.length = 0;
    const r = await docker(`unix://${sock}`, ['run', '--rm', 'img', 'echo', 'hello', 'world']);
    expect(r.stdout).toBe('hello world\n');
    expect(r.stderr).toBe('to stderr\n');
    expect(r.code).toBe(7);
    expect(scripted.calls.slice(0, 4)).toEqual(['create', 'attach', 'wait:removed', 'start']);
  });

  it('docker run -i: stdin reaches the process, output continues after the client half-closes', async () => {
    const input = Array.from({ length: 200 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const r = await docker(`unix://${sock}`, ['run', '--rm', '-i', 'img', 'cat'], { input });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(input);
  });

  it('a malformed request gets 400 Bad Request and the server goes on serving', async () => {
    const raw = (text: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const c = net.connect(sock);
        let got = '';
        c.setEncoding('utf8');
        c.on('data', (d: string) => (got += d));
        c.on('error', reject);
        c.on('close', () => resolve(got));
        c.end(text);
      });
    expect(await raw('NOT HTTP AT ALL\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    const ok = await raw('GET /_ping HTTP/1.1\r\nHost: berth\r\nConnection: close\r\n\r\n');
    expect(ok).toMatch(/^HTTP\/1\.1 200 /);
    expect(ok.endsWith('OK')).toBe(true);
  });

  it('unknown containers give the CLI Docker’s error', async () => {
    const r = await docker(`unix://${sock}`, ['attach', 'nosuch']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No such container: nosuch/);
  });
});
