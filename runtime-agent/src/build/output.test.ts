import { describe, expect, it } from 'vitest';
import {
  auxImageIdMessage,
  BuildOutput,
  buildText,
  errorMessage,
  goJsonString,
  shortId,
  stderrMessage,
  streamMessage,
} from './output';

describe('JSON message stream', () => {
  it('writes one message per write, as dockerd does', () => {
    expect(streamMessage('Step 1/5 : FROM busybox\n')).toBe('{"stream":"Step 1/5 : FROM busybox\\n"}\r\n');
    expect(stderrMessage('oops\n')).toBe('{"stream":"\\u001b[91moops\\n\\u001b[0m"}\r\n');
    expect(auxImageIdMessage('sha256:abc')).toBe('{"aux":{"ID":"sha256:abc"}}\r\n');
    expect(errorMessage("The command '/bin/sh -c exit 3' returned a non-zero code: 3", 3)).toBe(
      `{"errorDetail":{"code":3,"message":"The command '/bin/sh -c exit 3' returned a non-zero code: 3"},"error":"The command '/bin/sh -c exit 3' returned a non-zero code: 3"}\r\n`,
    );
    expect(errorMessage('boom')).toBe('{"errorDetail":{"message":"boom"},"error":"boom"}\r\n');
  });

  it("escapes like Go's encoding/json", () => {
    expect(goJsonString('RUN <<EOF && a > b')).toBe('"RUN \\u003c\\u003cEOF \\u0026\\u0026 a \\u003e b"');
    expect(goJsonString('tab\tnl\ncr\rq"bs\\\b\f\u2028é🚀')).toBe(
      '"tab\\tnl\\ncr\\rq\\"bs\\\\\\u0008\\u000c\\u2028é🚀"',
    );
    expect(goJsonString('lone \ud800 surrogate')).toBe('"lone \\ufffd surrogate"');
    for (const s of ['plain', 'a<b>&c', 'x\u0001y']) expect(JSON.parse(goJsonString(s))).toBe(s);
  });

  it('prints the classic builder texts', () => {
    expect(shortId('sha256:0123456789abcdef0123')).toBe('0123456789ab');
    expect(buildText.result('sha256:0123456789abcdef')).toBe(' ---> 0123456789ab\n');
    expect(buildText.runningIn('0123456789abcdef')).toBe(' ---> Running in 0123456789ab\n');
    expect(buildText.removedContainer('0123456789abcdef')).toBe('Removing intermediate container 0123456789ab\n');
    expect(buildText.triggers(1)).toBe('# Executing 1 build trigger\n');
    expect(buildText.triggers(2)).toBe('# Executing 2 build triggers\n');
    expect(buildText.unusedBuildArgs(['A', 'B'])).toBe('[Warning] One or more build-args [A B] were not consumed\n');
    expect(buildText.runFailed(['/bin/sh', '-c', 'exit 3'], 3)).toBe(
      "The command '/bin/sh -c exit 3' returned a non-zero code: 3",
    );
    expect(buildText.parseWarnings(['Empty continuation line found in: RUN a b'])).toEqual([
      '[WARNING]: Empty continuation line found in: RUN a b\n',
      '[WARNING]: Empty continuation lines will become errors in a future release.\n',
    ]);
  });
});

describe('BuildOutput', () => {
  it('streams messages as they come', () => {
    const out: string[] = [];
    const o = new BuildOutput((c) => out.push(c));
    o.step(1, 2, 'FROM busybox');
    o.stdout(buildText.usingCache());
    o.aux('sha256:1');
    o.success('sha256:1');
    expect(out).toEqual([
      streamMessage('Step 1/2 : FROM busybox\n'),
      streamMessage(' ---> Using cache\n'),
      auxImageIdMessage('sha256:1'),
    ]);
  });

  it('in quiet mode writes only the image ID on success, everything on failure', () => {
    const ok: string[] = [];
    const q = new BuildOutput((c) => ok.push(c), true);
    q.step(1, 1, 'FROM busybox');
    q.aux('sha256:1');
    q.success('sha256:1');
    expect(ok).toEqual([streamMessage('sha256:1\n')]);

    const failed: string[] = [];
    const f = new BuildOutput((c) => failed.push(c), true);
    f.step(1, 1, 'FROM busybox');
    f.error('pull access denied', 1);
    expect(failed).toEqual([streamMessage('Step 1/1 : FROM busybox\n'), errorMessage('pull access denied', 1)]);
  });
});

describe('BuildOutput.backlog', () => {
  it("is the sink's pending drain, except in quiet mode where output is held anyway", () => {
    const behind = Promise.resolve();
    expect(
      new BuildOutput(
        () => undefined,
        false,
        () => behind,
      ).backlog(),
    ).toBe(behind);
    expect(
      new BuildOutput(
        () => undefined,
        true,
        () => behind,
      ).backlog(),
    ).toBeUndefined();
    expect(new BuildOutput(() => undefined).backlog()).toBeUndefined();
  });
});
