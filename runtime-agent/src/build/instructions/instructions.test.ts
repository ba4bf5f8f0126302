import { describe, expect, it } from 'vitest';
import { loadDockerfile } from '../dockerfile';
import { parsePlatform, platformArgs } from '../planner/platform';
import { exposedPorts } from '../planner/ports';
import { parseSignal } from '../planner/signals';
import { parseGoDuration } from './duration';
import { InstructionFlags } from './flags';
import { csvFields, parseRunMount, ramInBytes } from './run-mount';
import { suggest } from './suggest';

describe('instruction model', () => {
  it('types every instruction with its line', () => {
    const { instructions } = loadDockerfile(`ARG V=1
FROM busybox:$V AS base
RUN echo a
CMD ["x"]
ENTRYPOINT e
SHELL ["sh", "-c"]
ENV a=b
LABEL l=v
ARG x
EXPOSE 80
VOLUME /v
USER u
WORKDIR /w
STOPSIGNAL TERM
MAINTAINER m
ONBUILD RUN t
HEALTHCHECK NONE
COPY a b
ADD c d
`);
    expect(instructions.metaArgs.map((a) => [a.kind, a.startLine])).toEqual([['arg', 1]]);
    const [stage] = instructions.stages;
    expect([stage?.name, stage?.baseName, stage?.startLine]).toEqual(['base', 'busybox:$V', 2]);
    expect(stage?.commands.map((c) => `${c.kind}@${c.startLine}`)).toEqual([
      'run@3',
      'cmd@4',
      'entrypoint@5',
      'shell@6',
      'env@7',
      'label@8',
      'arg@9',
      'expose@10',
      'volume@11',
      'user@12',
      'workdir@13',
      'stopsignal@14',
      'maintainer@15',
      'onbuild@16',
      'healthcheck@17',
      'copy@18',
      'add@19',
    ]);
  });

  it('reports unknown flags with a suggestion and duplicate flags', () => {
    expect(() => new InstructionFlags(['--chwon=1']).string('chown').string('chmod').parse()).toThrow(
      'unknown flag: --chwon (did you mean chown?)',
    );
    expect(() => new InstructionFlags(['--from=a', '--from=b']).string('from').parse()).toThrow(
      'duplicate flag specified: --from',
    );
    expect(() => new InstructionFlags(['--link=maybe']).bool('link').parse()).toThrow(
      'expecting boolean value for flag --link, not: maybe',
    );
    expect(new InstructionFlags(['--link=false']).bool('link').parse().getBool('link')).toBe(false);
    expect(
      new InstructionFlags(['--exclude=a', '--exclude=b']).strings('exclude').parse().getStrings('exclude'),
    ).toEqual(['a', 'b']);
  });

  it('suggests close instruction names in the case written', () => {
    expect(suggest('RUNN', ['RUN', 'CMD'], false)).toBe('RUN');
    expect(suggest('runn', ['RUN', 'CMD'], false)).toBe('run');
    expect(suggest('XYZZY', ['RUN', 'CMD'], false)).toBeUndefined();
  });

  it('parses RUN --mount specs after expansion', () => {
    expect(csvFields('type=bind,"source=a,b",target=/t')).toEqual(['type=bind', 'source=a,b', 'target=/t']);
    expect(parseRunMount('type=cache,target=/c,mode=0755,uid=1000', (w) => w)).toMatchObject({
      type: 'cache',
      mode: 0o755,
      uid: 1000,
      readOnly: false,
    });
    expect(() => parseRunMount('type=bind,uid=1', (w) => w)).toThrow('uid not allowed for "bind" type mounts');
    expect(() => parseRunMount('type=secret', (w) => w)).toThrow('invalid secret mount');
    expect(() => parseRunMount('target=/x,bogus=1', (w) => w)).toThrow("unexpected key 'bogus' in 'bogus=1'");
    expect(() => parseRunMount('from=$X,target=/x')).toThrow("'from' doesn't support variable expansion");
    expect(ramInBytes('1g')).toBe(1024 ** 3);
  });
});

describe('value parsers', () => {
  it('parses Go durations', () => {
    expect(parseGoDuration('1m30s')).toBe(90e9);
    expect(parseGoDuration('1.5h')).toBe(5400e9);
    expect(parseGoDuration('300ms')).toBe(300e6);
    expect(parseGoDuration('0')).toBe(0);
    expect(() => parseGoDuration('5')).toThrow(/unknown unit|invalid duration/);
    expect(() => parseGoDuration('5 parsecs')).toThrow();
  });

  it('validates stop signals like moby/sys/signal', () => {
    expect(parseSignal('SIGTERM')).toBe(15);
    expect(parseSignal('kill')).toBe(9);
    expect(parseSignal('RTMIN+1')).toBe(35);
    expect(parseSignal('10')).toBe(10);
    expect(() => parseSignal('0')).toThrow('invalid signal: 0');
    expect(() => parseSignal('SIGNOPE')).toThrow('invalid signal: SIGNOPE');
  });

  it('expands EXPOSE specs', () => {
    expect(exposedPorts('80')).toEqual(['80/tcp']);
    expect(exposedPorts('53/UDP')).toEqual(['53/udp']);
    expect(exposedPorts('8000-8002')).toEqual(['8000/tcp', '8001/tcp', '8002/tcp']);
    expect(exposedPorts('127.0.0.1:8080:80')).toEqual(['80/tcp']);
    expect(() => exposedPorts('80/quic')).toThrow('invalid proto: quic');
    expect(() => exposedPorts('http')).toThrow('invalid containerPort: http');
    expect(() => exposedPorts('99999')).toThrow('invalid containerPort: 99999');
  });

  it('normalises platforms and derives the automatic platform ARGs', () => {
    expect(parsePlatform('linux/x86_64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(parsePlatform('linux/arm')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(parsePlatform('arm64')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(() => parsePlatform('linux//amd64')).toThrow(/invalid platform/);
    const args = platformArgs(
      { os: 'linux', architecture: 'arm', variant: 'v6' },
      { os: 'linux', architecture: 'amd64' },
    );
    expect(Object.fromEntries(args)).toEqual({
      TARGETPLATFORM: 'linux/arm/v6',
      TARGETOS: 'linux',
      TARGETARCH: 'arm',
      TARGETVARIANT: 'v6',
      BUILDPLATFORM: 'linux/amd64',
      BUILDOS: 'linux',
      BUILDARCH: 'amd64',
      BUILDVARIANT: '',
    });
  });
});
