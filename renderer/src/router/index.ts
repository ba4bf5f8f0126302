/**
 * Routes: every resource view is under its host (/h/:hostId/…), so several hosts can be open in
 * one window and a link names the host it shows. Hash history: the same URLs work from Electron's
 * file:// and web mode's tokened page.
 */
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';

export const SECTIONS = ['containers', 'images', 'builds', 'volumes', 'networks'] as const;
export type Section = (typeof SECTIONS)[number];

export const CONTAINER_TABS = ['overview', 'logs', 'terminal', 'stats'] as const;
export type ContainerTab = (typeof CONTAINER_TABS)[number];

const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: () => import('@/views/HomeView.vue') },
  {
    path: '/h/:hostId',
    component: () => import('@/views/HostLayout.vue'),
    props: true,
    children: [
      { path: '', redirect: (to) => `/h/${String(to.params.hostId)}/containers` },
      { path: 'containers', name: 'containers', component: () => import('@/views/ContainersView.vue') },
      {
        path: 'containers/:id/:tab(overview|logs|terminal|stats)?',
        name: 'container',
        component: () => import('@/views/ContainerDetailView.vue'),
        props: true,
      },
      { path: 'images', name: 'images', component: () => import('@/views/ImagesView.vue') },
      { path: 'builds', name: 'builds', component: () => import('@/views/BuildsView.vue') },
      { path: 'volumes', name: 'volumes', component: () => import('@/views/VolumesView.vue') },
      { path: 'networks', name: 'networks', component: () => import('@/views/NetworksView.vue') },
    ],
  },
  { path: '/:rest(.*)*', redirect: '/' },
];

export function createAppRouter() {
  return createRouter({ history: createWebHashHistory(), routes });
}
