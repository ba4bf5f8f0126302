/** logs and attach: a container's output (and input) over HTTP. */
import { InvalidArgument } from '../../../errdefs';
import type { Router } from '../../router';
import { MULTIPLEXED, RAW_STREAM } from '../../stream/stdcopy';
import { parseTimestampNs, rfc3339Nano } from '../../timestamps';
import type { ContainersBackend } from './backend';
import { pumpSession } from './session-pump';
import { parseDetachKeys, writeOutput } from './stdio';

export function registerStdioRoutes(router: Router, b: ContainersBackend): void {
  router.get('/containers/{id}/logs', async (ctx) => {
    const q = ctx.query;
    const stdout = q.bool('stdout');
    const stderr = q.bool('stderr');
    if (!stdout && !stderr) throw new InvalidArgument('Bad parameters: you must choose at least one stream');
    const tailRaw = q.str('tail');
    let tail: number | undefined;
    if (tailRaw !== undefined && tailRaw !== '' && tailRaw !== 'all') {
      if (!/^\d+$/.test(tailRaw)) throw new InvalidArgument(`invalid value for tail: "${tailRaw}"`);
      tail = Number(tailRaw);
    }
    const since = q.str('since');
    const until = q.str('until');
    const timestamps = q.bool('timestamps');
    const { tty, entries } = await b.logs(
      ctx.params.id!,
      {
        follow: q.bool('follow'),
        stdout,
        stderr,
        sinceNs: since && since !== '0' ? parseTimestampNs(since, 'since') : undefined,
        untilNs: until && until !== '0' ? parseTimestampNs(until, 'until') : undefined,
        tail,
      },
      ctx.signal,
    );
    const out = ctx.startStream(200, tty ? RAW_STREAM : MULTIPLEXED);
    try {
      for await (const e of entries) {
        if (ctx.signal.aborted) break;
        const data = timestamps ? Buffer.concat([Buffer.from(rfc3339Nano(e.timeNs) + ' '), e.data]) : e.data;
        if (!writeOutput(out, tty, e.stream, data)) await new Promise((r) => out.once('drain', r));
      }
    } finally {
      if (!out.writableEnded) out.end();
    }
  });

  router.post('/containers/{id}/attach', async (ctx) => {
    const q = ctx.query;
    const opts = {
      stream: q.bool('stream'),
      logs: q.bool('logs'),
      stdin: q.bool('stdin'),
      stdout: q.bool('stdout'),
      stderr: q.bool('stderr'),
      detachKeys: q.str('detachKeys'),
    };
    const detachKeys = parseDetachKeys(opts.detachKeys);
    // A request body is not stdin: dockerode sends its options as JSON (dockerd discards them).
    if (ctx.upgrade && Number(ctx.req.headers['content-length'] ?? 0) > 0) await ctx.bodyBuffer(1 << 20);
    const session = await b.attach(ctx.params.id!, opts, ctx.signal);
    const conn = ctx.hijack(session.tty ? RAW_STREAM : MULTIPLEXED);
    await pumpSession(conn, session, { stdin: opts.stdin && ctx.upgrade, detachKeys, signal: ctx.signal });
  });

  // Websocket attach is not served: clients fall back to the hijacked endpoint above.
}
