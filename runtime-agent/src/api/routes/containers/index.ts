/** Container routes: one place for the resource, split by concern (lifecycle, inspection, stdio, files). */
import type { Router } from '../../router';
import type { ContainersBackend } from './backend';
import { registerFileRoutes } from './files';
import { registerInspectRoutes } from './inspect';
import { registerLifecycleRoutes } from './lifecycle';
import { registerStdioRoutes } from './stdio-routes';

export type { ContainersBackend } from './backend';

export function registerContainerRoutes(router: Router, backend: ContainersBackend): void {
  registerLifecycleRoutes(router, backend);
  registerInspectRoutes(router, backend);
  registerStdioRoutes(router, backend);
  registerFileRoutes(router, backend);
}
