/**
 * Questions for the user (trust a host key? a password?): broadcast to every window, answered by
 * the first that replies. Never a hang: an unanswered prompt resolves as cancelled after a timeout,
 * and a cancelled caller withdraws its prompt. Answers are handed to the asker and never stored.
 */
import crypto from 'node:crypto';
import type { PromptAnswer, PromptRequest } from '../../contract/models/hosts';
import type { ConnectionPrompter } from '../../connections/types';
import { ServiceError } from '../errors';
import type { EventBus } from '../events';

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
export type PromptQuestion = DistributiveOmit<PromptRequest, 'id'>;

interface Pending {
  request: PromptRequest;
  resolve: (a: PromptAnswer | undefined) => void;
}

export class PromptBroker {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly bus: EventBus,
    private readonly timeoutMs = 5 * 60_000,
  ) {}

  list(): PromptRequest[] {
    return [...this.pending.values()].map((p) => p.request);
  }

  /** Resolves with the answer, or undefined when cancelled, timed out or aborted. */
  ask(question: PromptQuestion, signal?: AbortSignal): Promise<PromptAnswer | undefined> {
    if (signal?.aborted) return Promise.resolve(undefined);
    const request = { ...question, id: crypto.randomUUID() } as PromptRequest;
    return new Promise((resolve) => {
      const finish = (a: PromptAnswer | undefined): void => {
        if (!this.pending.delete(request.id)) return;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.bus.emit('prompts:resolved', { id: request.id });
        resolve(a);
      };
      const onAbort = (): void => finish(undefined);
      const timer = setTimeout(() => finish(undefined), this.timeoutMs);
      timer.unref?.();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(request.id, { request, resolve: finish });
      this.bus.emit('prompts:request', request);
    });
  }

  answer(id: string, answer: PromptAnswer): void {
    const p = this.pending.get(id);
    if (!p) throw new ServiceError('NotFound', 'this question was already answered or withdrawn');
    const want = p.request.kind === 'hostKey' ? 'hostKey' : 'secret';
    if (answer.kind !== want)
      throw new ServiceError('InvalidArgument', `this question needs a "${want}" answer`, {
        field: ['answer', 'kind'],
      });
    p.resolve(answer);
  }

  cancelAll(): void {
    for (const p of [...this.pending.values()]) p.resolve(undefined);
  }

  /** The ConnectionPrompter a connection of one host uses. */
  prompterFor(hostId: string, signal?: AbortSignal): ConnectionPrompter {
    return {
      confirmHostKey: async (info) => {
        const a = await this.ask({ kind: 'hostKey', hostId, ...info }, signal);
        return a?.kind === 'hostKey' && a.trust;
      },
      secret: async (req) => {
        const a = await this.ask(
          { kind: 'secret', hostId, secretKind: req.kind, prompt: req.prompt, host: req.host },
          signal,
        );
        return a?.kind === 'secret' ? a.value : undefined;
      },
    };
  }
}
