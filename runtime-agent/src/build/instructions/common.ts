/** Helpers shared by the instruction parsers. */
import type { InstructionNode } from '../parser/types';
import { trimSpace } from '../parser/text';
import type { Location } from './types';

export function base(node: InstructionNode): Location & { text: string } {
  return { text: trimSpace(node.original), startLine: node.startLine, endLine: node.endLine };
}

/** Docker's handleJSONArgs: exec form as is, shell form joined into one string. */
export function jsonArgs(node: InstructionNode): string[] {
  if (node.args.length === 0) return [];
  return node.json ? [...node.args] : [node.args.join(' ')];
}

export const errAtLeastOne = (c: string): Error => new Error(`${c} requires at least one argument`);
export const errExactlyOne = (c: string): Error => new Error(`${c} requires exactly one argument`);
export const errNoDestination = (c: string): Error =>
  new Error(`${c} requires at least two arguments, but only one was provided. Destination could not be determined`);
export const errBlankNames = (c: string): Error => new Error(`${c} names can not be blank`);
