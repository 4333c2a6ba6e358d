import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { listSpaces } from '../api';
import type { ISpace, ISpaceInfo } from '../api';
import type {
  ISectionContext,
  ISectionDefinition
} from '../components/listsection';
import { ServerSpacesCatalog } from './catalog';
import type { ISpacesCatalog } from './catalog';
import { SpaceRow, SpacesHeader } from './components';
import type { ISpacesProps } from './components';
import type { ISpacesEnvironment } from './environment';

export type { ISpacesEnvironment } from './environment';

/**
 * What the Spaces section works with besides the translation bundle.
 */
export interface ISpacesSectionOptions {
  /**
   * Opens notebooks, refreshes kernelspecs, asks for confirmation. Without
   * one, the section only lists the spaces.
   */
  spaces?: ISpacesEnvironment;
  /**
   * Compute profiles and lifecycle configurations; the server's by default.
   */
  catalog?: ISpacesCatalog;
}

/**
 * The "Spaces" section: the user's spaces and their compute profiles, with
 * a form to create one and per-space actions.
 */
export function spacesSection(
  trans: TranslationBundle,
  options: ISpacesSectionOptions = {}
): ISectionDefinition<ISpace> {
  const definition: ISectionDefinition<ISpace> = {
    id: 'spaces',
    title: trans.__('Spaces'),
    feature: 'spaces',
    list: listSpaces,
    emptyTitle: trans.__('No spaces yet.'),
    emptyHint: trans.__(
      'Spaces you create, each with its own storage and compute profile, will appear here.'
    ),
    describe: space => (typeof space.profile === 'string' ? space.profile : '')
  };
  const env = options.spaces;
  if (!env) {
    return definition;
  }
  const catalog = options.catalog ?? new ServerSpacesCatalog();
  const props = (context: ISectionContext<ISpace>): ISpacesProps => ({
    env,
    catalog,
    trans: context.trans,
    refresh: context.refresh,
    poll: () => context.model.refresh()
  });
  return {
    ...definition,
    renderHeader: context => <SpacesHeader {...props(context)} />,
    renderItem: (space, context) => (
      <SpaceRow {...props(context)} space={normalize(space)} />
    )
  };
}

/**
 * A listed space with every field the row reads, whatever the server left out.
 */
function normalize(item: ISpace): ISpaceInfo {
  // Keep one object per listed item, so rows refetch once per poll only.
  let normal = Private.normalized.get(item);
  if (!normal) {
    normal = Private.fill(item);
    Private.normalized.set(item, normal);
  }
  return normal;
}

namespace Private {
  export const normalized = new WeakMap<ISpace, ISpaceInfo>();

  export function fill(item: ISpace): ISpaceInfo {
    const space = item as Partial<ISpaceInfo> & ISpace;
    return {
      ...space,
      owner: space.owner ?? '',
      sharing: space.sharing ?? 'private',
      members: space.members ?? [],
      storage_gb: space.storage_gb ?? 0,
      profile: typeof space.profile === 'string' ? space.profile : '',
      image: space.image ?? null,
      lifecycle_configs: space.lifecycle_configs ?? [],
      idle_timeout_minutes: space.idle_timeout_minutes ?? null,
      backend: space.backend ?? '',
      status: (space.status ?? 'Stopped') as ISpaceInfo['status'],
      kernel_name: space.kernel_name ?? `smstudio-${space.name}`,
      created_ms: space.created_ms ?? 0,
      modified_ms: space.modified_ms ?? 0
    };
  }
}
