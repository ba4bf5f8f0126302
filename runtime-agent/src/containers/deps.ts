/** The modules the container service stands on. */
import type { EventBus } from '../events/bus';
import type { ImageService } from '../images/image-service';
import type { Logger } from '../daemon/logger';
import type { NetworkService } from '../network/service';
import type { ContainerRuntime } from '../runtime/runtime';
import type { VolumeStore } from '../volumes/store';
import type { RootfsViews } from './rootfs-view';

export interface ServiceDeps {
  runtime: ContainerRuntime;
  images: ImageService;
  volumes: VolumeStore;
  network: NetworkService;
  events: EventBus;
  views: RootfsViews;
  log: Logger;
}
