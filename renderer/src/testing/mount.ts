/** Mounting helpers: a fresh Pinia, the i18n plugin and a memory router around a component. */
import { mount, type ComponentMountingOptions } from '@vue/test-utils';
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import type { Component } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import { i18n } from '@/i18n';

export function freshPinia(): Pinia {
  const p = createPinia();
  setActivePinia(p);
  return p;
}

function makeRouter() {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/:p(.*)*', component: { render: () => null } },
      { path: '/h/:hostId/:section', component: { render: () => null } },
    ],
  });
}

export function mountWith<C extends Component>(
  comp: C,
  opts: ComponentMountingOptions<C> & { pinia?: Pinia; router?: ReturnType<typeof makeRouter> } = {},
) {
  const pinia = opts.pinia ?? freshPinia();
  const router = opts.router ?? makeRouter();
  return mount(comp, {
    ...opts,
    attachTo: opts.attachTo ?? document.body,
    global: { ...opts.global, plugins: [pinia, i18n, router, ...(opts.global?.plugins ?? [])] },
  });
}

export const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** Mounts a view at a route (e.g. /h/h1/containers), so useRoute() sees its params. */
export async function mountAt<C extends Component>(
  comp: C,
  path: string,
  opts: ComponentMountingOptions<C> & { pinia?: Pinia } = {},
) {
  const router = makeRouter();
  await router.push(path);
  await router.isReady();
  return mountWith(comp, { ...opts, router });
}
