/** What the volume routes need. VolumeStore implements it. */
import type { Filters } from '../../query';
import type { Volume, VolumeCreateRequest } from '../../../volumes/types';

export interface VolumesBackend {
  create(req: VolumeCreateRequest): Volume;
  get(name: string): Volume;
  list(filters: Filters): Volume[];
  remove(name: string, force: boolean): void;
  prune(filters: Filters): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }>;
}
