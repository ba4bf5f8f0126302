/** The one error mapping: engine statuses, socket errors, zod issues, connection codes, form fields. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RUN_FIELD_HINTS } from './containers-map';
import { ServiceError, isTransportFailure, toErrorPayload } from './errors';

const dockerode = (statusCode: number, message: string): Error =>
  Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message} `), { statusCode, json: { message } });

describe('toErrorPayload', () => {
  it("maps engine HTTP statuses to contract codes with the engine's own message", () => {
    expect(toErrorPayload(dockerode(404, 'No such container: x'))).toEqual({
      code: 'NotFound',
      message: 'No such container: x',
    });
    expect(toErrorPayload(dockerode(409, 'name in use')).code).toBe('Conflict');
    expect(toErrorPayload(dockerode(400, 'bad')).code).toBe('InvalidArgument');
    expect(toErrorPayload(dockerode(401, 'no')).code).toBe('Unauthorized');
    expect(toErrorPayload(dockerode(403, 'no')).code).toBe('Forbidden');
    expect(toErrorPayload(dockerode(500, 'boom')).code).toBe('Internal');
    expect(toErrorPayload(dockerode(501, 'later')).code).toBe('NotImplemented');
    expect(toErrorPayload(dockerode(503, 'busy')).code).toBe('Unavailable');
    expect(toErrorPayload(dockerode(599, 'odd')).code).toBe('Internal');
  });

  it("reads a JSON or text body given as a Buffer, and falls back to dockerode's message", () => {
    const buf = Object.assign(new Error('(HTTP code 404) no such image - '), {
      statusCode: 404,
      json: Buffer.from('{"message":"No such image: a"}'),
    });
    expect(toErrorPayload(buf).message).toBe('No such image: a');
    const text = Object.assign(new Error('x'), { statusCode: 500, json: Buffer.from('plain failure') });
    expect(toErrorPayload(text).message).toBe('plain failure');
    const none = Object.assign(new Error('(HTTP code 502) bad gateway - '), { statusCode: 502, json: null });
    expect(toErrorPayload(none)).toEqual({ code: 'Unavailable', message: 'bad gateway -' });
  });

  it('maps socket errors, with what to do', () => {
    const refused = toErrorPayload(
      Object.assign(new Error('connect ECONNREFUSED /run/x.sock'), { code: 'ECONNREFUSED' }),
    );
    expect(refused.code).toBe('Unavailable');
    expect(refused.hint).toMatch(/reconnect/);
    const denied = toErrorPayload(Object.assign(new Error('connect EACCES /run/berth/berth.sock'), { code: 'EACCES' }));
    expect(denied.code).toBe('Forbidden');
    expect(denied.hint).toMatch(/group/);
    expect(toErrorPayload(Object.assign(new Error('t'), { code: 'ETIMEDOUT' })).code).toBe('Timeout');
    expect(toErrorPayload(Object.assign(new Error('aborted'), { name: 'AbortError' })).code).toBe('Cancelled');
  });

  it('maps connection failures', () => {
    expect(toErrorPayload(Object.assign(new Error('bad key'), { code: 'AuthFailed' })).code).toBe('Unauthorized');
    expect(toErrorPayload(Object.assign(new Error('changed'), { code: 'HostKeyChanged' })).code).toBe('Forbidden');
    expect(toErrorPayload(Object.assign(new Error('full'), { code: 'NoSpace' })).code).toBe('ResourceExhausted');
  });

  it('turns zod issues into InvalidArgument with every issue and the first field', () => {
    const r = z.object({ a: z.number(), b: z.object({ c: z.string() }) }).safeParse({ a: 'x', b: {} });
    const p = toErrorPayload(r.error);
    expect(p.code).toBe('InvalidArgument');
    expect(p.field).toEqual(['a']);
    expect(p.issues?.map((i) => i.path)).toEqual([['a'], ['b', 'c']]);
  });

  it('points engine errors at the Run dialog field they concern', () => {
    const at = (m: string, status = 400): unknown =>
      toErrorPayload(dockerode(status, m), { fieldHints: RUN_FIELD_HINTS }).field;
    expect(at('Conflict. The container name "/web" is already in use by container "abc"', 409)).toEqual([
      'spec',
      'name',
    ]);
    expect(at('No such image: nope:latest', 404)).toEqual(['spec', 'image']);
    expect(at('Bind for 0.0.0.0:80 failed: port is already allocated', 500)).toEqual(['spec', 'ports']);
    expect(at('Minimum memory limit allowed is 6MB')).toEqual(['spec', 'limits', 'memoryBytes']);
    expect(at('Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available')).toEqual([
      'spec',
      'limits',
      'cpus',
    ]);
    expect(at('network shop not found', 404)).toEqual(['spec', 'network']);
    expect(at('something else entirely')).toBeUndefined();
  });

  it('keeps a ServiceError as thrown, and the host it concerns', () => {
    const e = new ServiceError('FailedPrecondition', 'not now', { hint: 'later', field: ['x'], hostId: 'h1' });
    expect(toErrorPayload(e)).toEqual({
      code: 'FailedPrecondition',
      message: 'not now',
      hint: 'later',
      field: ['x'],
      hostId: 'h1',
    });
    expect(toErrorPayload(new Error('x'), { hostId: 'h2' }).hostId).toBe('h2');
  });

  it('tells transport failures (reconnect) from call errors', () => {
    expect(isTransportFailure(Object.assign(new Error(), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransportFailure(dockerode(404, 'x'))).toBe(false);
    expect(isTransportFailure(new ServiceError('Unavailable', 'x'))).toBe(false);
  });
});
