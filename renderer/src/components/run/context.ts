/** The Run dialog's sections share its form and errors through provide/inject. */
import { inject, type InjectionKey, type Ref } from 'vue';
import type { FormErrors, RunForm } from './run-form';

export interface RunFormContext {
  form: RunForm;
  errors: Ref<FormErrors>;
  hostId: string;
}

export const RUN_FORM: InjectionKey<RunFormContext> = Symbol('run-form');

export function useRunForm(): RunFormContext {
  const c = inject(RUN_FORM);
  if (!c) throw new Error('Run form sections must be inside RunDialog');
  return c;
}
