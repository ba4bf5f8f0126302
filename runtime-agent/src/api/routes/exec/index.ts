/** Exec routes: /containers/{id}/exec, /exec/{id}/start, /exec/{id}/resize, /exec/{id}/json. */
import { InvalidArgument } from '../../../errdefs';
import type { Router } from '../../router';
import { MULTIPLEXED, RAW_STREAM } from '../../stream/stdcopy';
import { pumpSession } from '../containers/session-pump';
import { parseDetachKeys } from '../containers/stdio';
import type { ExecBackend, ExecCreateRequest } from './backend';

export type { ExecBackend, ExecCreateRequest } from './backend';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strArr(o: Obj, k: string): string[] {
  const v = o[k];
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw new InvalidArgument(`invalid exec configuration: ${k} must be an array of strings`);
  return v as string[];
}

function consoleSize(v: unknown): [number, number] | null {
  if (Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number' && n >= 0))
    return [v[0] as number, v[1] as number];
  return null;
}

export function parseExecCreate(body: unknown): ExecCreateRequest {
  if (!isObj(body)) throw new InvalidArgument('invalid exec configuration: want a JSON object');
  const b = (k: string): boolean => {
    const v = body[k];
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw new InvalidArgument(`invalid exec configuration: ${k} must be a boolean`);
    return v;
  };
  const s = (k: string): string => {
    const v = body[k];
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') throw new InvalidArgument(`invalid exec configuration: ${k} must be a string`);
    return v;
  };
  const cmd = strArr(body, 'Cmd');
  if (cmd.length === 0) throw new InvalidArgument('No exec command specified');
  const req: ExecCreateRequest = {
    AttachStdin: b('AttachStdin'),
    AttachStdout: b('AttachStdout'),
    AttachStderr: b('AttachStderr'),
    DetachKeys: s('DetachKeys'),
    Tty: b('Tty'),
    ConsoleSize: consoleSize(body.ConsoleSize),
    Env: strArr(body, 'Env'),
    Cmd: cmd,
    Privileged: b('Privileged'),
    User: s('User'),
    WorkingDir: s('WorkingDir'),
  };
  if (req.Privileged) throw new InvalidArgument('privileged exec is not supported by Berth yet');
  if (req.DetachKeys) parseDetachKeys(req.DetachKeys);
  return req;
}

export function registerExecRoutes(router: Router, b: ExecBackend): void {
  router.post('/containers/{id}/exec', async (ctx) => {
    ctx.sendJson(201, await b.create(ctx.params.id!, parseExecCreate(await ctx.json())));
  });

  router.post('/exec/{id}/start', async (ctx) => {
    const body = (await ctx.json()) ?? {};
    if (!isObj(body)) throw new InvalidArgument('invalid exec start request: want a JSON object');
    const detach = body.Detach === true;
    const tty = body.Tty === true;
    const inspect = await b.inspect(ctx.params.id!);
    const session = await b.start(
      ctx.params.id!,
      { detach, tty, consoleSize: consoleSize(body.ConsoleSize) },
      ctx.signal,
    );
    if (!session) {
      ctx.sendStatus(200);
      return;
    }
    const conn = ctx.hijack(session.tty ? RAW_STREAM : MULTIPLEXED);
    await pumpSession(conn, session, {
      stdin: inspect.OpenStdin === true && ctx.upgrade,
      detachKeys: parseDetachKeys((inspect.DetachKeys as string) || undefined),
      signal: ctx.signal,
    });
  });

  router.post('/exec/{id}/resize', async (ctx) => {
    const h = ctx.query.int('h') ?? 0;
    const w = ctx.query.int('w') ?? 0;
    await b.resize(ctx.params.id!, h, w);
    ctx.sendStatus(200);
  });

  router.get('/exec/{id}/json', async (ctx) => {
    ctx.sendJson(200, await b.inspect(ctx.params.id!));
  });
}
