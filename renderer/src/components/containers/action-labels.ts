/** The action names, translated once per locale (each table row shows several). */
import type { ContainerAction } from '@contract';
import { i18n, t } from '@/i18n';

const ACTIONS: ContainerAction[] = ['start', 'stop', 'restart', 'pause', 'unpause', 'kill', 'remove'];
let cache: { locale: string; labels: Record<ContainerAction, string> } | undefined;

export function actionLabels(): Record<ContainerAction, string> {
  const locale = String(i18n.global.locale.value);
  if (cache?.locale !== locale)
    cache = {
      locale,
      labels: Object.fromEntries(ACTIONS.map((a) => [a, t(`containers.actions.${a}`)])) as Record<
        ContainerAction,
        string
      >,
    };
  return cache.labels;
}
