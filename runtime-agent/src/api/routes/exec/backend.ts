/** What the exec routes need. */
import type { StdioSession } from '../containers/backend';

export interface ExecCreateRequest {
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  DetachKeys: string;
  Tty: boolean;
  ConsoleSize: [number, number] | null;
  Env: string[];
  Cmd: string[];
  Privileged: boolean;
  User: string;
  WorkingDir: string;
}

export interface ExecBackend {
  create(containerRef: string, req: ExecCreateRequest): Promise<{ Id: string }>;
  /** Start; with detach the process runs on and no session is returned. */
  start(
    id: string,
    opts: { detach: boolean; tty: boolean; consoleSize: [number, number] | null },
    signal: AbortSignal,
  ): Promise<StdioSession | undefined>;
  resize(id: string, height: number, width: number): Promise<void>;
  inspect(id: string): Promise<Record<string, unknown>>;
}
