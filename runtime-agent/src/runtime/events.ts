/** Container events, as the Engine API's /events reports them (Type "container"). */

export type ContainerAction =
  | 'create'
  | 'start'
  | 'die'
  | 'oom'
  | 'kill'
  | 'stop'
  | 'pause'
  | 'unpause'
  | 'restart'
  | 'destroy'
  | 'exec_create'
  | 'exec_start'
  | 'exec_die'
  | 'rename'
  | 'update';

export interface ContainerEvent {
  action: ContainerAction;
  id: string;
  /** name, image, exitCode, signal, execID … (strings, as Docker's Actor.Attributes). */
  attributes: Record<string, string>;
  /** Unix nanoseconds. */
  timeNano: bigint;
}

export interface RuntimeEvents {
  event: [ContainerEvent];
}
