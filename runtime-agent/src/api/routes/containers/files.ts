/** export and the archive endpoints behind `docker cp`. */
import { InvalidArgument } from '../../../errdefs';
import type { Router } from '../../router';
import type { ContainersBackend } from './backend';

const STAT_HEADER = 'X-Docker-Container-Path-Stat';

function pathParam(v: string | undefined): string {
  if (!v) throw new InvalidArgument('path is required');
  return v;
}

export function registerFileRoutes(router: Router, b: ContainersBackend): void {
  router.get('/containers/{id}/export', async (ctx) => {
    const tar = await b.export(ctx.params.id!);
    const out = ctx.startStream(200, 'application/x-tar');
    tar.on('error', () => out.destroy());
    ctx.signal.addEventListener('abort', () => tar.destroy());
    tar.pipe(out);
    await new Promise<void>((resolve) => out.on('close', resolve));
  });

  router.head('/containers/{id}/archive', async (ctx) => {
    const { header } = await b.statPath(ctx.params.id!, pathParam(ctx.query.str('path')));
    ctx.sendStatus(200, { [STAT_HEADER]: header, 'Content-Type': 'application/x-tar' });
  });

  router.get('/containers/{id}/archive', async (ctx) => {
    const { header, tar } = await b.getArchive(ctx.params.id!, pathParam(ctx.query.str('path')));
    const out = ctx.startStream(200, 'application/x-tar', { [STAT_HEADER]: header });
    tar.on('error', () => out.destroy());
    ctx.signal.addEventListener('abort', () => tar.destroy());
    tar.pipe(out);
    await new Promise<void>((resolve) => out.on('close', resolve));
  });

  router.put('/containers/{id}/archive', async (ctx) => {
    // The CLI sends text/plain here for historical reasons: the body is a tar whatever it says.
    await b.putArchive(ctx.params.id!, pathParam(ctx.query.str('path')), ctx.bodyStream(), {
      noOverwriteDirNonDir: ctx.query.bool('noOverwriteDirNonDir'),
      copyUIDGID: ctx.query.bool('copyUIDGID'),
    });
    ctx.sendStatus(200);
  });
}
