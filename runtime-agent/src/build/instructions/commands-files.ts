/** COPY and ADD: sources (paths, globs, URLs, heredocs), destination and flags. */
import { chompHeredocContent, parseHeredocWord } from '../parser/heredoc';
import type { InstructionNode } from '../parser/types';
import { base, errNoDestination } from './common';
import { InstructionFlags } from './flags';
import type { AddCommand, CopyCommand, SourceContent } from './types';

function sourcesAndDest(
  node: InstructionNode,
  instruction: string,
): Pick<CopyCommand, 'sources' | 'contents' | 'dest'> {
  if (node.args.length < 2) throw errNoDestination(instruction);
  const dest = node.args[node.args.length - 1] as string;
  if (parseHeredocWord(dest)) throw new Error(`${instruction} cannot accept a heredoc as a destination`);
  const docs = new Map(node.heredocs.map((h) => [h.name, h]));
  const sources: string[] = [];
  const contents: SourceContent[] = [];
  for (const src of node.args.slice(0, -1)) {
    const word = node.json ? undefined : parseHeredocWord(src);
    const doc = word ? docs.get(word.name) : undefined;
    if (word && doc) {
      contents.push({
        path: doc.name,
        data: doc.chomp ? chompHeredocContent(doc.content) : doc.content,
        expand: doc.expand,
      });
    } else {
      sources.push(src);
    }
  }
  return { sources, contents, dest };
}

export function parseCopy(node: InstructionNode): CopyCommand {
  const flags = new InstructionFlags(node.flags)
    .string('chown')
    .string('from')
    .string('chmod')
    .bool('link')
    .strings('exclude')
    .parse();
  const cmd: CopyCommand = {
    kind: 'copy',
    ...base(node),
    ...sourcesAndDest(node, 'COPY'),
    link: flags.getBool('link'),
    excludes: flags.getStrings('exclude'),
  };
  const from = flags.getString('from');
  if (from) cmd.from = from;
  const chown = flags.getString('chown');
  if (chown) cmd.chown = chown;
  const chmod = flags.getString('chmod');
  if (chmod) cmd.chmod = chmod;
  return cmd;
}

export function parseAdd(node: InstructionNode): AddCommand {
  const flags = new InstructionFlags(node.flags)
    .string('chown')
    .string('chmod')
    .bool('link')
    .string('checksum')
    .strings('exclude')
    .parse();
  const cmd: AddCommand = {
    kind: 'add',
    ...base(node),
    ...sourcesAndDest(node, 'ADD'),
    link: flags.getBool('link'),
    excludes: flags.getStrings('exclude'),
  };
  const chown = flags.getString('chown');
  if (chown) cmd.chown = chown;
  const chmod = flags.getString('chmod');
  if (chmod) cmd.chmod = chmod;
  const checksum = flags.getString('checksum');
  if (checksum) cmd.checksum = checksum;
  return cmd;
}
