/** FROM, ENV, LABEL, ARG, EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL, MAINTAINER. */
import type { InstructionNode } from '../parser/types';
import { trimSpace } from '../parser/text';
import { base, errAtLeastOne, errBlankNames, errExactlyOne } from './common';
import { InstructionFlags } from './flags';
import type {
  ArgCommand,
  ArgDefinition,
  EnvCommand,
  ExposeCommand,
  KeyValue,
  LabelCommand,
  MaintainerCommand,
  Stage,
  StopSignalCommand,
  UserCommand,
  VolumeCommand,
  WorkdirCommand,
} from './types';

const reStageName = /^[a-z][a-z0-9-_.]*$/;

export function parseFrom(node: InstructionNode, index: number): Stage {
  const args = node.args;
  let name: string | undefined;
  if (args.length === 3 && (args[1] as string).toLowerCase() === 'as') {
    name = (args[2] as string).toLowerCase();
    if (!reStageName.test(name)) {
      throw new Error(`invalid name for build stage: "${args[2]}", name can't start with a number or contain symbols`);
    }
  } else if (args.length !== 1) {
    throw new Error('FROM requires either one or three arguments');
  }
  const flags = new InstructionFlags(node.flags).string('platform').parse();
  const stage: Stage = {
    index,
    baseName: args[0] as string,
    text: trimSpace(node.original),
    startLine: node.startLine,
    endLine: node.endLine,
    commands: [],
  };
  if (name !== undefined) stage.name = name;
  const platform = flags.getString('platform');
  if (platform) stage.platform = platform;
  return stage;
}

function keyValues(node: InstructionNode, instruction: string): KeyValue[] {
  const kv = node.kv ?? [];
  if (kv.length === 0) throw errAtLeastOne(instruction);
  return kv.map((p) => {
    if (p.key.length === 0) throw errBlankNames(instruction);
    return { key: p.key, value: p.value };
  });
}

export function parseEnv(node: InstructionNode): EnvCommand {
  new InstructionFlags(node.flags).parse();
  return { kind: 'env', ...base(node), env: keyValues(node, 'ENV') };
}

export function parseLabel(node: InstructionNode): LabelCommand {
  new InstructionFlags(node.flags).parse();
  return { kind: 'label', ...base(node), labels: keyValues(node, 'LABEL') };
}

export function parseArg(node: InstructionNode): ArgCommand {
  if (node.args.length === 0) throw errAtLeastOne('ARG');
  new InstructionFlags(node.flags).parse();
  const args: ArgDefinition[] = node.args.map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0) return { key: word };
    if (eq === 0) throw errBlankNames('ARG');
    return { key: word.slice(0, eq), value: word.slice(eq + 1) };
  });
  return { kind: 'arg', ...base(node), args };
}

export function parseExpose(node: InstructionNode): ExposeCommand {
  if (node.args.length === 0) throw errAtLeastOne('EXPOSE');
  new InstructionFlags(node.flags).parse();
  // Docker sorts the raw words before expansion.
  const ports = [...node.args].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { kind: 'expose', ...base(node), ports };
}

export function parseVolume(node: InstructionNode): VolumeCommand {
  if (node.args.length === 0) throw errAtLeastOne('VOLUME');
  new InstructionFlags(node.flags).parse();
  const volumes = node.args.map((v) => {
    const t = trimSpace(v);
    if (t === '') throw new Error('VOLUME specified can not be an empty string');
    return t;
  });
  return { kind: 'volume', ...base(node), volumes };
}

function single(node: InstructionNode, instruction: string): string {
  if (node.args.length !== 1) throw errExactlyOne(instruction);
  new InstructionFlags(node.flags).parse();
  return node.args[0] as string;
}

export function parseUser(node: InstructionNode): UserCommand {
  return { kind: 'user', ...base(node), user: single(node, 'USER') };
}

export function parseWorkdir(node: InstructionNode): WorkdirCommand {
  return { kind: 'workdir', ...base(node), path: single(node, 'WORKDIR') };
}

export function parseStopSignal(node: InstructionNode): StopSignalCommand {
  return { kind: 'stopsignal', ...base(node), signal: single(node, 'STOPSIGNAL') };
}

export function parseMaintainer(node: InstructionNode): MaintainerCommand {
  return { kind: 'maintainer', ...base(node), maintainer: single(node, 'MAINTAINER') };
}
