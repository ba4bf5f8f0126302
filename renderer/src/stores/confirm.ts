/** One confirmation question at a time, answered through the ConfirmHost dialog. */
import { defineStore } from 'pinia';
import { ref } from 'vue';

export interface ConfirmRequest {
  title: string;
  message?: string;
  confirmLabel?: string;
  danger?: boolean;
  /** Offers a "force" checkbox; the answer says whether it was ticked. */
  forceLabel?: string;
}

export const useConfirmStore = defineStore('confirm', () => {
  const current = ref<ConfirmRequest>();
  let resolve: ((v: { ok: boolean; force: boolean }) => void) | undefined;

  function ask(req: ConfirmRequest): Promise<{ ok: boolean; force: boolean }> {
    resolve?.({ ok: false, force: false });
    current.value = req;
    return new Promise((r) => (resolve = r));
  }

  function answer(ok: boolean, force = false): void {
    current.value = undefined;
    const r = resolve;
    resolve = undefined;
    r?.({ ok, force });
  }

  return { current, ask, answer };
});
