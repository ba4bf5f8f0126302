/** One typed command per Dockerfile instruction (before variable expansion). */

export interface Location {
  startLine: number;
  endLine: number;
}

interface Base extends Location {
  /** The instruction as Docker prints it in `Step n/m : …` (the logical line, trimmed). */
  text: string;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface ArgDefinition {
  key: string;
  /** Undefined for `ARG name` without a default. */
  value?: string;
}

/** A heredoc or inline file of a RUN. */
export interface InlineFile {
  name: string;
  data: string;
  chomp: boolean;
  expand: boolean;
}

/** Shell-form commands get the SHELL (default `/bin/sh -c`) prepended; exec-form ones do not. */
export interface CommandLine {
  args: string[];
  prependShell: boolean;
}

export type MountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';
export type ShareMode = 'shared' | 'private' | 'locked';

/** `RUN --mount=…`, parsed and validated; executing mounts is the executor's concern. */
export interface RunMount {
  type: MountType;
  from?: string;
  source?: string;
  target?: string;
  readOnly: boolean;
  sizeLimit?: number;
  cacheId?: string;
  sharing?: ShareMode;
  required: boolean;
  env?: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

export interface RunCommand extends Base {
  kind: 'run';
  cmd: CommandLine;
  files: InlineFile[];
  /** Raw `--mount` values: expanded at dispatch, then parsed into `RunMount`s. */
  mounts: string[];
  network?: 'default' | 'none' | 'host';
  security?: 'sandbox' | 'insecure';
}

export interface CmdCommand extends Base {
  kind: 'cmd';
  cmd: CommandLine;
}

export interface EntrypointCommand extends Base {
  kind: 'entrypoint';
  /** Empty args with exec form (`ENTRYPOINT []`) clears the entrypoint. */
  cmd: CommandLine;
}

export interface ShellCommand extends Base {
  kind: 'shell';
  shell: string[];
}

export interface EnvCommand extends Base {
  kind: 'env';
  env: KeyValue[];
}

export interface LabelCommand extends Base {
  kind: 'label';
  labels: KeyValue[];
  /** Labels from the API `labels` parameter are not expanded. */
  noExpand?: boolean;
}

export interface ArgCommand extends Base {
  kind: 'arg';
  args: ArgDefinition[];
}

export interface ExposeCommand extends Base {
  kind: 'expose';
  ports: string[];
}

export interface VolumeCommand extends Base {
  kind: 'volume';
  volumes: string[];
}

export interface UserCommand extends Base {
  kind: 'user';
  user: string;
}

export interface WorkdirCommand extends Base {
  kind: 'workdir';
  path: string;
}

export interface StopSignalCommand extends Base {
  kind: 'stopsignal';
  signal: string;
}

export interface MaintainerCommand extends Base {
  kind: 'maintainer';
  maintainer: string;
}

export interface OnbuildCommand extends Base {
  kind: 'onbuild';
  /** The trigger as stored in the image config (`RUN echo hi`). */
  expression: string;
}

export interface HealthConfig {
  /** `["NONE"]`, `["CMD", …]` or `["CMD-SHELL", cmd]`. */
  test: string[];
  /** Nanoseconds, 0 = inherit. */
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  startInterval?: number;
  retries?: number;
}

export interface HealthcheckCommand extends Base {
  kind: 'healthcheck';
  health: HealthConfig;
}

/** A heredoc used as a COPY/ADD source: a file named `path` with `data`. */
export interface SourceContent {
  path: string;
  data: string;
  expand: boolean;
}

interface CopyBase extends Base {
  sources: string[];
  contents: SourceContent[];
  dest: string;
  chown?: string;
  chmod?: string;
  link: boolean;
  excludes: string[];
}

export interface CopyCommand extends CopyBase {
  kind: 'copy';
  from?: string;
}

export interface AddCommand extends CopyBase {
  kind: 'add';
  /** Expected digest of a URL source (`sha256:…`). */
  checksum?: string;
}

export type Command =
  | RunCommand
  | CmdCommand
  | EntrypointCommand
  | ShellCommand
  | EnvCommand
  | LabelCommand
  | ArgCommand
  | ExposeCommand
  | VolumeCommand
  | UserCommand
  | WorkdirCommand
  | StopSignalCommand
  | MaintainerCommand
  | OnbuildCommand
  | HealthcheckCommand
  | CopyCommand
  | AddCommand;

export type CommandKind = Command['kind'];

export interface Stage extends Location {
  /** Position in the Dockerfile (0-based). */
  index: number;
  /** Lower-case stage name from `AS name`. */
  name?: string;
  /** Image reference, `scratch` or a stage name, before expansion. */
  baseName: string;
  platform?: string;
  /** `FROM …` as written (trimmed), for the step line. */
  text: string;
  commands: Command[];
}

export interface DockerfileInstructions {
  /** ARGs before the first FROM. */
  metaArgs: ArgCommand[];
  stages: Stage[];
  escapeToken: string;
}
