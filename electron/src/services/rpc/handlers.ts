/**
 * One handler per contract channel, each a thin call into the services. The map's type requires a
 * handler for every channel, taking the (already validated) request and answering the response type.
 */
import os from 'node:os';
import type { InvokeChannel, InvokeRequest, InvokeResponse } from '../../contract/invoke';
import type { AppServices } from '../app';
import { ServiceError } from '../errors';
import type { Session } from './session';

export interface DesktopShell {
  /** A native file/folder picker (Electron); undefined when cancelled. */
  openPath(kind: 'directory' | 'file', title?: string): Promise<string | undefined>;
}

export interface CallContext {
  session: Session;
}

export type Handlers = {
  [C in InvokeChannel]: (req: InvokeRequest<C>, ctx: CallContext) => Promise<InvokeResponse<C>> | InvokeResponse<C>;
};

function engine(app: AppServices) {
  if (!app.supervisor)
    throw new ServiceError(
      'NotImplemented',
      'this app has no local engine supervisor (the local engine runs on Linux)',
      {
        hint: 'Add a WSL2 distribution or an SSH host instead.',
      },
    );
  return app.supervisor;
}

export function createHandlers(app: AppServices, shell?: DesktopShell): Handlers {
  const h = app.hosts;
  return {
    'app:info': () => ({ version: app.opts.version, mode: app.opts.mode, platform: process.platform, arch: os.arch() }),
    'dialog:openPath': async (r) => {
      if (!shell)
        throw new ServiceError('Unavailable', 'no file picker in web mode', {
          hint: 'Upload the folder or tar instead.',
        });
      const p = await shell.openPath(r.kind, r.title);
      return p === undefined ? {} : { path: p };
    },

    'hosts:list': () => h.list(),
    'hosts:add': (r) => h.add(r.spec),
    'hosts:update': (r) => h.update(r.id, r.spec),
    'hosts:remove': (r) => h.remove(r.id),
    'hosts:connect': (r) => h.connect(r.id),
    'hosts:disconnect': (r) => h.disconnect(r.id),
    'hosts:info': (r) => hostInfo(app, r.hostId),
    'prompts:list': () => app.prompts.list(),
    'prompts:answer': (r) => app.prompts.answer(r.id, r.answer),

    'engine:state': () => engine(app).state,
    'engine:start': () => engine(app).start(),
    'engine:stop': () => engine(app).stop(),
    'engine:restart': () => engine(app).restart(),
    'engine:logs': (r) => engine(app).logs(r.lines ?? 200),
    'engine:settings': () => engine(app).currentSettings,
    'engine:configure': (r) => {
      app.config.setEngine(r.settings);
      return engine(app).configure(r.settings);
    },

    'containers:list': (r) => app.containers.list(r.hostId, r),
    'containers:inspect': (r) => app.containers.inspect(r.hostId, r.id),
    'containers:create': (r) => app.containers.create(r.hostId, r.spec, r),
    'containers:start': (r) => app.containers.action(r.hostId, r.id, 'start'),
    'containers:stop': (r) => app.containers.action(r.hostId, r.id, 'stop', r),
    'containers:restart': (r) => app.containers.action(r.hostId, r.id, 'restart', r),
    'containers:pause': (r) => app.containers.action(r.hostId, r.id, 'pause'),
    'containers:unpause': (r) => app.containers.action(r.hostId, r.id, 'unpause'),
    'containers:kill': (r) => app.containers.action(r.hostId, r.id, 'kill', r),
    'containers:remove': (r) => app.containers.action(r.hostId, r.id, 'remove', r),
    'containers:bulk': (r) => app.containers.bulk(r.hostId, r.action, r.ids, r.force),
    'containers:rename': (r) => app.containers.rename(r.hostId, r.id, r.name),
    'containers:logs': (r) => app.containers.logs(r),
    'containers:top': (r) => app.containers.top(r.hostId, r.id, r.psArgs),
    'containers:prune': (r) => app.containers.prune(r.hostId),
    'exec:input': (r, ctx) => ctx.session.exec(r.sessionId).input(r.data),
    'exec:resize': (r, ctx) => ctx.session.exec(r.sessionId).resize(r.cols, r.rows),

    'images:list': (r) => app.images.list(r.hostId, r.all),
    'images:inspect': (r) => app.images.inspect(r.hostId, r.id),
    'images:history': (r) => app.images.history(r.hostId, r.id),
    'images:pull': (r) => ({ taskId: app.images.pull(r.hostId, r.ref, r).id }),
    'images:push': (r) => ({ taskId: app.images.push(r.hostId, r.ref, r.auth).id }),
    'images:tag': (r) => app.images.tag(r.hostId, r.id, r.repo, r.tag),
    'images:remove': (r) => app.images.remove(r.hostId, r.id, r),
    'images:prune': (r) => app.images.prune(r.hostId, r.dangling ?? true),

    'builds:start': (r) => app.builds.start(r),
    'builds:list': (r) => app.builds.history.list(r.hostId),
    'builds:log': (r) => app.builds.history.log(r.buildId),
    'builds:clear': (r) => app.builds.history.clear(r.hostId),

    'volumes:list': (r) => app.volumes.list(r.hostId),
    'volumes:create': (r) => app.volumes.create(r.hostId, r.spec),
    'volumes:inspect': (r) => app.volumes.inspect(r.hostId, r.name),
    'volumes:remove': (r) => app.volumes.remove(r.hostId, r.name, r.force),
    'volumes:prune': (r) => app.volumes.prune(r.hostId),

    'networks:list': (r) => app.networks.list(r.hostId),
    'networks:create': (r) => app.networks.create(r.hostId, r.spec),
    'networks:inspect': (r) => app.networks.inspect(r.hostId, r.id),
    'networks:remove': (r) => app.networks.remove(r.hostId, r.id),
    'networks:prune': (r) => app.networks.prune(r.hostId),
    'networks:connect': (r) => app.networks.connect(r.hostId, r.id, r.containerId, r.aliases),
    'networks:disconnect': (r) => app.networks.disconnect(r.hostId, r.id, r.containerId, r.force),

    'tasks:list': () => app.tasks.list(),
    'tasks:wait': (r) => app.tasks.wait(r.taskId),
    'tasks:cancel': (r) => app.tasks.cancel(r.taskId),
  };
}

async function hostInfo(app: AppServices, hostId: string) {
  return app.hosts.call(hostId, async (d) => {
    const [info, version] = (await Promise.all([d.info(), d.version()])) as unknown as [
      Record<string, unknown>,
      Record<string, unknown>,
    ];
    const summary = app.hosts.get(hostId);
    const engineId =
      summary.state.status === 'connected'
        ? summary.state.engine
        : { flavour: 'unknown' as const, version: String(version.Version ?? ''), apiVersion: '', os: '', arch: '' };
    const n = (k: string): number => Number(info[k] ?? 0);
    return {
      hostId,
      engine: engineId,
      name: String(info.Name ?? ''),
      serverVersion: String(info.ServerVersion ?? version.Version ?? ''),
      operatingSystem: String(info.OperatingSystem ?? ''),
      kernelVersion: String(info.KernelVersion ?? ''),
      architecture: String(info.Architecture ?? ''),
      ncpu: n('NCPU'),
      memTotal: n('MemTotal'),
      dataRoot: String(info.DockerRootDir ?? ''),
      cgroupVersion: String(info.CgroupVersion ?? ''),
      containers: {
        total: n('Containers'),
        running: n('ContainersRunning'),
        paused: n('ContainersPaused'),
        stopped: n('ContainersStopped'),
      },
      images: n('Images'),
      warnings: Array.isArray(info.Warnings) ? (info.Warnings as unknown[]).map(String) : [],
    };
  });
}
