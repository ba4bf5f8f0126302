/**
 * Reads the engine's classic build output (JSON lines of {stream}, {status}, {aux}, {error}) into
 * log lines that know their step and whether the step came from the cache, and finds the image id.
 */
import type { BuildLogLine } from '../../contract/models/tasks';
import { ServiceError } from '../errors';

export interface BuildMessage {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  aux?: { ID?: string };
  error?: string;
  errorDetail?: { message?: string };
}

const STEP = /^Step (\d+)\/(\d+) ?: /;

export class BuildOutput {
  step = 0;
  steps = 0;
  readonly cached = new Set<number>();
  imageId?: string;
  private partial = '';

  /** Lines for one message; throws the build error when the message carries one. */
  apply(m: BuildMessage): BuildLogLine[] {
    if (m.error || m.errorDetail?.message) {
      const message = (m.errorDetail?.message ?? m.error ?? 'the build failed').trim();
      throw new ServiceError(/not found|no such/i.test(message) ? 'NotFound' : 'InvalidArgument', message, {
        field: ['dockerfile'],
      });
    }
    if (m.aux?.ID) this.imageId = m.aux.ID;
    if (m.status) {
      const text = [m.id, m.status, m.progress].filter(Boolean).join(' ');
      return [this.line(text, 'status')];
    }
    if (m.stream === undefined) return [];
    const parts = (this.partial + m.stream).split('\n');
    this.partial = parts.pop() ?? '';
    return parts.filter((p) => p.length > 0).map((p) => this.text(p));
  }

  flush(): BuildLogLine[] {
    const rest = this.partial;
    this.partial = '';
    return rest ? [this.text(rest)] : [];
  }

  private text(t: string): BuildLogLine {
    const step = STEP.exec(t);
    if (step) {
      this.step = Number(step[1]);
      this.steps = Math.max(this.steps, Number(step[2]));
    }
    if (/^ ---> Using cache/.test(t) && this.step) this.cached.add(this.step);
    const built = /^Successfully built ([0-9a-f]{12,64})/.exec(t);
    if (built && !this.imageId) this.imageId = built[1];
    return this.line(t, 'stdout');
  }

  private line(text: string, stream: BuildLogLine['stream']): BuildLogLine {
    const l: BuildLogLine = { text, stream };
    if (this.step) {
      l.step = this.step;
      if (this.cached.has(this.step)) l.cached = true;
    }
    return l;
  }
}
