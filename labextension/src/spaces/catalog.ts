import { listComputeProfiles, listLifecycleConfigs } from '../api';
import type { IComputeProfileList, ILifecycleConfig } from '../api';

/**
 * Where the Spaces section gets the choices of its forms from.
 */
export interface ISpacesCatalog {
  /**
   * The compute profiles (fetched once, then kept).
   */
  profiles(): Promise<IComputeProfileList>;
  /**
   * The user's lifecycle configurations (fetched each time: they change).
   */
  lifecycleConfigs(): Promise<ILifecycleConfig[]>;
}

/**
 * The catalog of the server.
 */
export class ServerSpacesCatalog implements ISpacesCatalog {
  profiles(): Promise<IComputeProfileList> {
    if (!this._profiles) {
      this._profiles = listComputeProfiles({ poll: true });
      // Ask again next time if this call fails.
      this._profiles.catch(() => {
        this._profiles = null;
      });
    }
    return this._profiles;
  }

  async lifecycleConfigs(): Promise<ILifecycleConfig[]> {
    const page = await listLifecycleConfigs({ limit: 100 }, { poll: true });
    return page.items;
  }

  private _profiles: Promise<IComputeProfileList> | null = null;
}

/**
 * A short description of a profile for a `<select>`: "ml.t3.medium (2 CPU, 4 GiB)".
 */
export function profileLabel(profile: {
  name: string;
  cpus: number | null;
  memory_gib: number | null;
  gpus: number;
}): string {
  const parts: string[] = [];
  if (profile.cpus !== null) {
    parts.push(`${profile.cpus} CPU`);
  }
  if (profile.memory_gib !== null) {
    parts.push(`${profile.memory_gib} GiB`);
  }
  if (profile.gpus) {
    parts.push(`${profile.gpus} GPU`);
  }
  if (parts.length === 0) {
    parts.push('no limits');
  }
  return `${profile.name} (${parts.join(', ')})`;
}
