/**
 * GET /events: past events (since) then live ones, until `until` or the client leaves.
 * Headers go out at once; one JSON object per line.
 */
import type { EventBus } from '../../../events/bus';
import { eventMatches, validateEventFilters } from '../../../events/filter';
import { toWire } from '../../../events/types';
import type { Router } from '../../router';
import { nowNs, parseTimestampNs } from '../../timestamps';

export function registerEventRoutes(router: Router, bus: EventBus): void {
  router.get('/events', (ctx) => {
    const filters = ctx.query.filters();
    validateEventFilters(filters);
    const sinceRaw = ctx.query.str('since');
    const untilRaw = ctx.query.str('until');
    const since = sinceRaw ? parseTimestampNs(sinceRaw, 'since') : undefined;
    const until = untilRaw ? parseTimestampNs(untilRaw, 'until') : undefined;
    const out = ctx.startStream(200, 'application/json');
    const write = (ev: Parameters<typeof toWire>[0]): void => {
      if (eventMatches(filters, ev)) out.write(JSON.stringify(toWire(ev)) + '\n');
    };
    // Subscribe before reading history so nothing falls in between.
    const live: Parameters<typeof toWire>[0][] = [];
    let replaying = true;
    const unsubscribe = bus.subscribe((ev) => {
      if (replaying) live.push(ev);
      else if (until === undefined || BigInt(ev.timeNano) <= until) write(ev);
    });
    let lastNano = 0n;
    if (since !== undefined) {
      for (const ev of bus.history(since, until)) {
        write(ev);
        lastNano = BigInt(ev.timeNano);
      }
    }
    replaying = false;
    for (const ev of live)
      if (BigInt(ev.timeNano) > lastNano && (until === undefined || BigInt(ev.timeNano) <= until)) write(ev);
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        unsubscribe();
        if (timer) clearTimeout(timer);
        ctx.signal.removeEventListener('abort', finish);
        if (!out.writableEnded) out.end();
        resolve();
      };
      ctx.signal.addEventListener('abort', finish);
      if (until !== undefined) {
        const waitMs = Number((until - nowNs()) / 1_000_000n);
        if (waitMs <= 0) finish();
        else timer = setTimeout(finish, waitMs);
      }
    });
  });
}
