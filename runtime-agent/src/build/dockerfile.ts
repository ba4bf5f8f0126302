/** Dockerfile text → typed instructions (parser + instruction model), the front of the pipeline. */
import { parseInstructions } from './instructions/parse';
import type { DockerfileInstructions } from './instructions/types';
import { parseDockerfile } from './parser/parser';
import type { ParsedDockerfile } from './parser/types';

export interface LoadedDockerfile {
  parsed: ParsedDockerfile;
  instructions: DockerfileInstructions;
}

/** Throws DockerfileError (InvalidArgument) with the line number on any syntax or validation error. */
export function loadDockerfile(text: string): LoadedDockerfile {
  const parsed = parseDockerfile(text);
  return { parsed, instructions: parseInstructions(parsed) };
}
