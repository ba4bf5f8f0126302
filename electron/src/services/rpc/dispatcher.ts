/**
 * The one entry point of every client call, shared by Electron's IPC and web mode's WebSocket:
 * validates the arguments with the channel's zod schema, runs the handler, and answers a Result
 * (a typed error, never a throw). Stream subscriptions and uploads go through here too.
 */
import crypto from 'node:crypto';
import type { Result } from '../../contract/errors';
import type { StreamTopic } from '../../contract/events';
import type { InvokeChannel } from '../../contract/invoke';
import type { ServerFrame } from '../../contract/protocol';
import type { AppServices } from '../app';
import { ServiceError, toErrorPayload } from '../errors';
import { createHandlers, type DesktopShell, type Handlers } from './handlers';
import { invokeSchemas, streamSchemas, transportSchemas } from './schemas';
import { Session } from './session';
import { createStreamOpeners, type StreamOpeners, type StreamSink } from './streams';

export type { DesktopShell } from './handlers';

const has = <T extends object>(o: T, k: string): k is Extract<keyof T, string> => Object.hasOwn(o, k);

export class Dispatcher {
  private readonly handlers: Handlers;
  private readonly openers: StreamOpeners;
  private readonly sessions = new Set<Session>();

  constructor(
    private readonly app: AppServices,
    shell?: DesktopShell,
  ) {
    this.handlers = createHandlers(app, shell);
    this.openers = createStreamOpeners(app);
  }

  /** A new client; `send` delivers frames to it. Close the session when the client goes away. */
  openSession(send: (frame: ServerFrame) => void): Session {
    const s = new Session(crypto.randomUUID(), this.app.bus, send);
    this.sessions.add(s);
    const close = s.close.bind(s);
    s.close = () => {
      this.sessions.delete(s);
      close();
    };
    return s;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  closeAll(): void {
    for (const s of [...this.sessions]) s.close();
  }

  async invoke(session: Session, channel: unknown, req: unknown): Promise<Result<unknown>> {
    let hostId: string | undefined;
    try {
      if (typeof channel !== 'string') throw new ServiceError('InvalidArgument', 'the channel must be a string');
      const body = req === undefined ? {} : req;
      if (body && typeof body === 'object' && typeof (body as { hostId?: unknown }).hostId === 'string')
        hostId = (body as { hostId: string }).hostId;
      if (has(invokeSchemas, channel)) {
        const parsed = invokeSchemas[channel].parse(body);
        const handler = this.handlers[channel as InvokeChannel] as (r: unknown, ctx: { session: Session }) => unknown;
        return { ok: true, value: await handler(parsed, { session }) };
      }
      if (channel === 'stream:open') return { ok: true, value: await this.openStream(session, body) };
      if (channel === 'stream:close') {
        session.closeSub(transportSchemas['stream:close'].parse(body).subId);
        return { ok: true, value: undefined };
      }
      if (channel === 'upload:put') {
        const r = transportSchemas['upload:put'].parse(body);
        const data =
          r.data instanceof Uint8Array
            ? Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength)
            : Buffer.from(r.data);
        return { ok: true, value: await this.app.uploads.put(r.name, data) };
      }
      throw new ServiceError('InvalidArgument', `unknown channel "${channel}"`, { field: ['channel'] });
    } catch (err) {
      return { ok: false, error: toErrorPayload(err, hostId ? { hostId } : {}) };
    }
  }

  private async openStream(session: Session, body: unknown): Promise<unknown> {
    const { subId, topic, args } = transportSchemas['stream:open'].parse(body);
    const parsedArgs = streamSchemas[topic as StreamTopic].parse(args);
    session.beginOpen(subId);
    const sink: StreamSink<StreamTopic> = {
      data: (payload) => session.emit({ t: 'data', subId, payload }),
      end: (err) => session.ended(subId, err),
    };
    try {
      const opener = this.openers[topic] as (
        a: unknown,
        s: StreamSink<StreamTopic>,
        id: string,
      ) => ReturnType<StreamOpeners[StreamTopic]>;
      const opened = await opener(parsedArgs, sink, subId);
      session.finishOpen(subId, opened);
      return opened.info;
    } catch (err) {
      session.failOpen(subId);
      throw err;
    }
  }
}
