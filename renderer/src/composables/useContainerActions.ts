/** Runs a container action from any view: confirms the destructive ones, reports failures as toasts. */
import type { ContainerAction } from '@contract';
import { errorPayload } from '@/bridge';
import { t } from '@/i18n';
import { useConfirmStore } from '@/stores/confirm';
import { useContainersStore } from '@/stores/containers';
import { useToasts } from '@/stores/toasts';

export function useContainerActions(hostId: string) {
  const store = useContainersStore(hostId);
  const confirm = useConfirmStore();
  const toasts = useToasts();

  async function act(id: string, action: ContainerAction, name: string): Promise<boolean> {
    let force = false;
    if (action === 'remove' || action === 'kill') {
      const running = store.byId.get(id)?.state === 'running';
      const a = await confirm.ask({
        title: `${t(`containers.actions.${action}`)} ${name}`,
        message: action === 'remove' ? t('common.confirmRemove', { what: name }) : undefined,
        confirmLabel: t(`containers.actions.${action}`),
        danger: true,
        ...(action === 'remove' && running ? { forceLabel: t('common.force') } : {}),
      });
      if (!a.ok) return false;
      force = a.force || (action === 'remove' && running);
    }
    try {
      await store.act(action, id, { force });
      return true;
    } catch (err) {
      toasts.error(
        t('containers.actionFailed', { action: t(`containers.actions.${action}`), name }),
        errorPayload(err),
      );
      return false;
    }
  }

  async function bulk(action: ContainerAction, ids: string[]): Promise<void> {
    if (action === 'remove') {
      const a = await confirm.ask({
        title: t('common.confirmRemoveMany', { n: ids.length }),
        confirmLabel: t('common.remove'),
        danger: true,
        forceLabel: t('common.force'),
      });
      if (!a.ok) return;
      return runBulk(action, ids, a.force);
    }
    return runBulk(action, ids, false);
  }

  async function runBulk(action: ContainerAction, ids: string[], force: boolean): Promise<void> {
    try {
      const results = await store.bulk(action, ids, force);
      const failed = results.filter((r) => !r.ok);
      const label = t(`containers.actions.${action}`);
      const msg = t('containers.bulkDone', {
        action: label,
        ok: results.length - failed.length,
        failed: failed.length,
      });
      if (failed.length)
        toasts.push(
          'warning',
          msg,
          failed
            .map((f) => f.error?.message)
            .filter(Boolean)
            .join('; '),
        );
      else toasts.push('success', msg);
    } catch (err) {
      toasts.error(t(`containers.actions.${action}`), errorPayload(err));
    }
  }

  return { act, bulk };
}
