/** Questions for the user: broadcast, answered once, withdrawn on abort, never a hang. */
import { describe, expect, it } from 'vitest';
import { EventBus } from '../events';
import { PromptBroker } from './prompts';

function broker(timeoutMs?: number): { p: PromptBroker; events: Array<[string, unknown]> } {
  const bus = new EventBus();
  const events: Array<[string, unknown]> = [];
  bus.subscribe((name, payload) => events.push([name, payload]));
  return { p: new PromptBroker(bus, timeoutMs), events };
}

describe('PromptBroker', () => {
  it('broadcasts a question and resolves with the first answer', async () => {
    const { p, events } = broker();
    const prompter = p.prompterFor('h1');
    const trusted = prompter.confirmHostKey({
      host: 'vm',
      port: 22,
      keyType: 'ssh-ed25519',
      fingerprintSha256: 'SHA256:abc',
    });
    const [q] = p.list();
    expect(q).toMatchObject({ kind: 'hostKey', hostId: 'h1', host: 'vm', fingerprintSha256: 'SHA256:abc' });
    expect(() => p.answer(q!.id, { kind: 'secret', value: 'x' })).toThrow(/needs a "hostKey" answer/);
    p.answer(q!.id, { kind: 'hostKey', trust: true });
    expect(await trusted).toBe(true);
    expect(() => p.answer(q!.id, { kind: 'hostKey', trust: false })).toThrow(/already answered/);
    expect(events.map(([n]) => n)).toEqual(['prompts:request', 'prompts:resolved']);
  });

  it('resolves as cancelled on timeout or abort, and withdraws the question', async () => {
    const { p, events } = broker(30);
    expect(await p.prompterFor('h1').secret({ kind: 'password', prompt: 'Password', host: 'vm' })).toBeUndefined();
    expect(p.list()).toEqual([]);
    const ac = new AbortController();
    const pending = p.prompterFor('h2', ac.signal).secret({ kind: 'passphrase', prompt: 'Passphrase', host: 'vm' });
    ac.abort();
    expect(await pending).toBeUndefined();
    expect(events.filter(([n]) => n === 'prompts:resolved')).toHaveLength(2);
  });
});
