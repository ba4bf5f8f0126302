/**
 * Syntax tree → typed commands grouped into stages. Every error names the instruction's first line:
 * `Dockerfile parse error on line 3: unknown instruction: RUNN (did you mean RUN?)`.
 */
import { DockerfileError } from '../errors';
import type { InstructionNode, ParsedDockerfile } from '../parser/types';
import { parseCopy, parseAdd } from './commands-files';
import {
  parseArg,
  parseEnv,
  parseExpose,
  parseFrom,
  parseLabel,
  parseMaintainer,
  parseStopSignal,
  parseUser,
  parseVolume,
  parseWorkdir,
} from './commands-config';
import {
  parseCmd,
  parseEntrypoint,
  parseHealthcheckCommand,
  parseOnbuild,
  parseRun,
  parseShell,
} from './commands-exec';
import { withSuggestion } from './suggest';
import type { ArgCommand, Command, DockerfileInstructions, Stage } from './types';

export const INSTRUCTION_NAMES = [
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
] as const;

const PARSERS: Record<string, (node: InstructionNode) => Command> = {
  add: parseAdd,
  arg: parseArg,
  cmd: parseCmd,
  copy: parseCopy,
  entrypoint: parseEntrypoint,
  env: parseEnv,
  expose: parseExpose,
  healthcheck: parseHealthcheckCommand,
  label: parseLabel,
  maintainer: parseMaintainer,
  onbuild: (node) => parseOnbuild(node, (sub) => void parseCommandNode(sub)),
  run: parseRun,
  shell: parseShell,
  stopsignal: parseStopSignal,
  user: parseUser,
  volume: parseVolume,
  workdir: parseWorkdir,
};

function unknownInstruction(node: InstructionNode): Error {
  return new Error(withSuggestion(`unknown instruction: ${node.keyword}`, node.keyword, INSTRUCTION_NAMES, false));
}

/** One node → one command (FROM is handled by the caller); throws a plain Error without location. */
export function parseCommandNode(node: InstructionNode): Command {
  const parse = PARSERS[node.name];
  if (!parse) {
    if (node.name === 'from') throw new Error('FROM is not a command');
    throw unknownInstruction(node);
  }
  return parse(node);
}

function locate(node: InstructionNode, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (err instanceof DockerfileError) throw err;
    throw new DockerfileError(node.startLine, (err as Error).message, { endLine: node.endLine, cause: err });
  }
}

export function parseInstructions(parsed: ParsedDockerfile): DockerfileInstructions {
  const metaArgs: ArgCommand[] = [];
  const stages: Stage[] = [];
  for (const node of parsed.nodes) {
    locate(node, () => {
      if (node.name === 'from') {
        stages.push(parseFrom(node, stages.length));
        return;
      }
      if (!PARSERS[node.name]) throw unknownInstruction(node);
      const cmd = parseCommandNode(node);
      const stage = stages[stages.length - 1];
      if (stage) {
        stage.commands.push(cmd);
      } else if (cmd.kind === 'arg') {
        metaArgs.push(cmd);
      } else {
        throw new Error('no build stage in current context');
      }
    });
  }
  if (stages.length === 0) {
    const last = parsed.nodes[parsed.nodes.length - 1];
    throw new DockerfileError(
      last?.startLine ?? 1,
      'no build stage in current context: a FROM instruction is required',
    );
  }
  return { metaArgs, stages, escapeToken: parsed.escapeToken };
}

/** Parses the triggers stored in a base image (ONBUILD), each as a one-instruction Dockerfile. */
export function parseTrigger(expression: string, parse: (text: string) => ParsedDockerfile): Command {
  const parsed = parse(expression);
  if (parsed.nodes.length !== 1) throw new Error('onbuild trigger should be a single expression');
  const node = parsed.nodes[0] as InstructionNode;
  const upper = node.keyword.toUpperCase();
  if (upper === 'ONBUILD' || upper === 'FROM' || upper === 'MAINTAINER') {
    throw new Error(`${upper} isn't allowed as an ONBUILD trigger`);
  }
  return parseCommandNode(node);
}
