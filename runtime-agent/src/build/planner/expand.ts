/**
 * Variable expansion in exactly the instructions where Docker applies it: ADD, COPY (paths, --chown,
 * --chmod, heredoc bodies unless the delimiter was quoted), ENV, EXPOSE (word splitting), LABEL,
 * STOPSIGNAL, USER, VOLUME, WORKDIR, ARG, and RUN --mount values. RUN, CMD, ENTRYPOINT, SHELL,
 * HEALTHCHECK, ONBUILD and MAINTAINER are left to the shell (or kept as written). FROM is expanded
 * by the planner with the global ARGs only.
 */
import type { Command, CopyCommand, KeyValue, AddCommand } from '../instructions/types';
import { type EnvLookup, ShellLexer } from '../shell-lexer';

export interface Expander {
  /** One word: quotes removed, variables replaced, spaces kept. */
  word(w: string): string;
  /** Several words: variables replaced, then split on unquoted white space (EXPOSE). */
  words(w: string): string[];
  /** A heredoc body: variables replaced, quotes kept. */
  heredoc(body: string): string;
}

export function makeExpander(escapeToken: string, env: EnvLookup): Expander {
  const lex = new ShellLexer(escapeToken);
  const heredocLex = new ShellLexer('\\', { skipProcessQuotes: true });
  return {
    word: (w) => lex.processWord(w, env).result,
    words: (w) => lex.processWords(w, env),
    heredoc: (body) => heredocLex.processWord(body, env).result,
  };
}

const kvs = (list: KeyValue[], ex: Expander): KeyValue[] =>
  list.map((p) => ({ key: ex.word(p.key), value: ex.word(p.value) }));

function expandFiles<C extends CopyCommand | AddCommand>(cmd: C, ex: Expander): C {
  const out: C = {
    ...cmd,
    sources: cmd.sources.map((s) => ex.word(s)),
    dest: ex.word(cmd.dest),
    contents: cmd.contents.map((c) => (c.expand ? { ...c, data: ex.heredoc(c.data) } : { ...c })),
  };
  if (cmd.chown !== undefined) out.chown = ex.word(cmd.chown);
  if (cmd.chmod !== undefined) out.chmod = ex.word(cmd.chmod);
  if (out.kind === 'add' && out.checksum !== undefined) out.checksum = ex.word(out.checksum);
  return out;
}

/** A copy of `cmd` with Docker's expansion applied. */
export function expandCommand<C extends Command>(cmd: C, ex: Expander): C {
  const c = cmd as Command;
  let out: Command;
  switch (c.kind) {
    case 'env':
      out = { ...c, env: kvs(c.env, ex) };
      break;
    case 'label':
      out = c.noExpand ? { ...c } : { ...c, labels: kvs(c.labels, ex) };
      break;
    case 'arg':
      out = {
        ...c,
        args: c.args.map((a) =>
          a.value === undefined ? { key: ex.word(a.key) } : { key: ex.word(a.key), value: ex.word(a.value) },
        ),
      };
      break;
    case 'expose':
      out = { ...c, ports: c.ports.flatMap((p) => ex.words(p)) };
      break;
    case 'volume':
      out = { ...c, volumes: c.volumes.map((v) => ex.word(v)) };
      break;
    case 'user':
      out = { ...c, user: ex.word(c.user) };
      break;
    case 'workdir':
      out = { ...c, path: ex.word(c.path) };
      break;
    case 'stopsignal':
      out = { ...c, signal: ex.word(c.signal) };
      break;
    case 'copy':
    case 'add':
      out = expandFiles(c, ex);
      break;
    default:
      // RUN --mount values are expanded when the mounts are parsed (planner/dispatch).
      out = { ...c };
  }
  return out as C;
}
