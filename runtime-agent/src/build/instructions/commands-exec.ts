/** RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD. */
import { chompHeredocContent, parseHeredocWord } from '../parser/heredoc';
import type { InstructionNode } from '../parser/types';
import { base, errAtLeastOne, jsonArgs } from './common';
import { InstructionFlags } from './flags';
import { parseHealthcheck } from './healthcheck';
import { parseRunMount } from './run-mount';
import type {
  CmdCommand,
  CommandLine,
  EntrypointCommand,
  HealthcheckCommand,
  InlineFile,
  OnbuildCommand,
  RunCommand,
  ShellCommand,
} from './types';

function commandLine(node: InstructionNode): CommandLine {
  return { args: jsonArgs(node), prependShell: !node.json };
}

const NETWORK_MODES = ['default', 'none', 'host'] as const;
const SECURITY_MODES = ['sandbox', 'insecure'] as const;

export function parseRun(node: InstructionNode): RunCommand {
  const flags = new InstructionFlags(node.flags).strings('mount').string('network').string('security').parse();
  const mounts = flags.getStrings('mount');
  for (const m of mounts) parseRunMount(m);
  const cmd = commandLine(node);
  if (cmd.args.length === 0 && node.heredocs.length === 0) throw errAtLeastOne('RUN');
  const files: InlineFile[] = node.heredocs.map((h) => ({
    name: h.name,
    data: h.content,
    chomp: h.chomp,
    expand: h.expand,
  }));
  const run: RunCommand = { kind: 'run', ...base(node), cmd, files, mounts };
  const network = flags.getString('network');
  if (network !== undefined) {
    if (!(NETWORK_MODES as readonly string[]).includes(network)) {
      throw new Error(`network mode "${network}" not supported`);
    }
    run.network = network as RunCommand['network'];
  }
  const security = flags.getString('security');
  if (security !== undefined) {
    if (!(SECURITY_MODES as readonly string[]).includes(security)) {
      throw new Error(`security mode "${security}" not supported`);
    }
    run.security = security as RunCommand['security'];
  }
  return run;
}

export function parseCmd(node: InstructionNode): CmdCommand {
  new InstructionFlags(node.flags).parse();
  return { kind: 'cmd', ...base(node), cmd: commandLine(node) };
}

export function parseEntrypoint(node: InstructionNode): EntrypointCommand {
  new InstructionFlags(node.flags).parse();
  return { kind: 'entrypoint', ...base(node), cmd: commandLine(node) };
}

export function parseShell(node: InstructionNode): ShellCommand {
  new InstructionFlags(node.flags).parse();
  const shell = jsonArgs(node);
  if (shell.length === 0) throw errAtLeastOne('SHELL');
  if (!node.json) throw new Error('SHELL requires the arguments to be in JSON form');
  return { kind: 'shell', ...base(node), shell };
}

export function parseHealthcheckCommand(node: InstructionNode): HealthcheckCommand {
  return { kind: 'healthcheck', ...base(node), health: parseHealthcheck(node.args, node.json, node.flags) };
}

/**
 * ONBUILD keeps the trigger as text (with its heredoc bodies), as Docker stores it in the image;
 * `validateTrigger` checks it parses as an instruction that may be a trigger.
 */
export function parseOnbuild(node: InstructionNode, validateTrigger: (sub: InstructionNode) => void): OnbuildCommand {
  if (!node.sub || node.args.length === 0) throw errAtLeastOne('ONBUILD');
  new InstructionFlags(node.flags).parse();
  const trigger = node.sub.keyword.toUpperCase();
  if (trigger === 'ONBUILD') throw new Error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (trigger === 'MAINTAINER' || trigger === 'FROM') throw new Error(`${trigger} isn't allowed as an ONBUILD trigger`);
  validateTrigger(node.sub);
  let expression = node.original.replace(/^\s*ONBUILD\s*/i, '');
  for (const h of node.heredocs) expression += '\n' + h.content + h.name;
  return { kind: 'onbuild', ...base(node), expression };
}

/** The RUN command after heredoc handling, as BuildKit runs it. */
export function runArgsWithHeredocs(run: RunCommand): { args: string[]; scriptFile?: { name: string; data: string } } {
  const args = run.cmd.args;
  if (run.files.length === 0) return { args };
  const first = run.files[0] as InlineFile;
  if (parseHeredocWord(args[0] ?? '') !== undefined) {
    const data = first.chomp ? chompHeredocContent(first.data) : first.data;
    // A single heredoc that starts with a shebang is written to a file and executed directly.
    if (data.startsWith('#!')) return { args: [`/dev/pipes/${first.name}`], scriptFile: { name: first.name, data } };
    return { args: [data] };
  }
  // A command with heredocs (`python3 <<EOF`): hand the whole text to the shell.
  let text = args[0] ?? '';
  for (const f of run.files) text += '\n' + f.data + f.name;
  return { args: [text] };
}
