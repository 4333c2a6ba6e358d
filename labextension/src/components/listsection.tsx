import {
  PanelWithToolbar,
  refreshIcon,
  ToolbarButton,
  VDomRenderer
} from '@jupyterlab/ui-components';
import { nullTranslator } from '@jupyterlab/translation';
import type { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { FeatureName, IResourceSummary, ListFunction } from '../api';
import type { StatusModel } from '../status/model';
import { ListModel } from './listmodel';

/**
 * The gettext domain of the extension's strings.
 */
export const TRANSLATION_DOMAIN = 'jupyter_smstudio';

/**
 * The ids of our own sections; other plugins add theirs with ids of their own.
 */
export type SectionId = 'spaces' | 'jobs' | 'endpoints' | 'wrangler';

/**
 * Everything that tells one list section from another.
 *
 * Each area module (`spaces/`, `jobs/`, ...) exports one of these; they
 * reach the sidebar through `ISMStudio.sections`.
 */
export interface ISectionDefinition<T extends IResourceSummary> {
  /**
   * Stable id, unique in the sidebar, also set as `data-smstudio-section`
   * for tests (ours are `SectionId`s).
   */
  id: string;
  /**
   * Section title, e.g. "Spaces".
   */
  title: string;
  /**
   * The area's flag in `/status` `features`.
   */
  feature: FeatureName;
  /**
   * The typed list function of the API client.
   */
  list: ListFunction<T>;
  /**
   * First line of the empty state, e.g. "No spaces yet."
   */
  emptyTitle: string;
  /**
   * Second line of the empty state: what will appear here.
   */
  emptyHint: string;
  /**
   * What tells items apart when names alone do not (default: the name).
   */
  key?(item: T): string;
  /**
   * A short detail shown next to an item's name (e.g. its compute profile).
   */
  describe?(item: T): string;
  /**
   * Called when the user opens an item (click or Enter), e.g. to show details.
   */
  open?(item: T): void;
  /**
   * Render a whole row instead of the default name, detail and status badge.
   *
   * The returned element goes inside the row's `<li>`.
   */
  renderItem?(item: T, context: ISectionContext<T>): React.ReactNode;
  /**
   * Render something above the list (and above the empty state), e.g. a
   * "New …" button and its form. Not shown while the area is turned off.
   */
  renderHeader?(context: ISectionContext<T>): React.ReactNode;
}

/**
 * What `renderItem` and `renderHeader` get to work with.
 */
export interface ISectionContext<T extends IResourceSummary> {
  /**
   * The section's model.
   */
  model: ListModel<T>;
  /**
   * Fetch the list now, as a user action (counts as activity).
   */
  refresh: () => Promise<void>;
  /**
   * The extension's translation bundle.
   */
  trans: TranslationBundle;
}

/**
 * Format a time in milliseconds since the epoch for a tooltip.
 */
export function formatTime(ms: number | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    return '';
  }
  return new Date(ms).toLocaleString();
}

/**
 * The body of a list section: loading, error, empty state or the items.
 */
export class ListView<T extends IResourceSummary> extends VDomRenderer<
  ListModel<T>
> {
  constructor(
    model: ListModel<T>,
    definition: ISectionDefinition<T>,
    translator: ITranslator = nullTranslator
  ) {
    super(model);
    this._definition = definition;
    this._trans = translator.load(TRANSLATION_DOMAIN);
    this.addClass('smstudio-ListView');
  }

  protected render(): React.ReactElement {
    const definition = this._definition;
    const body = this._renderBody();
    if (!definition.renderHeader || !this.model.enabled) {
      return body;
    }
    return (
      <>
        {definition.renderHeader(this._context)}
        {body}
      </>
    );
  }

  private _renderBody(): React.ReactElement {
    const state = this.model.state;
    const definition = this._definition;
    const trans = this._trans;
    switch (state.kind) {
      case 'loading':
        return (
          <div className="smstudio-Message" data-smstudio-loading="">
            {trans.__('Loading…')}
          </div>
        );
      case 'error':
        return (
          <div className="smstudio-Error" role="alert" data-smstudio-error="">
            <p className="smstudio-Error-message">{state.error.message}</p>
            <p className="smstudio-Error-detail">
              {state.error.status
                ? `${state.error.code} (HTTP ${state.error.status})`
                : state.error.code}
            </p>
          </div>
        );
      case 'empty':
        return (
          <div className="smstudio-Empty" data-smstudio-empty="">
            <p className="smstudio-Empty-title">{definition.emptyTitle}</p>
            <p className="smstudio-Empty-hint">{definition.emptyHint}</p>
          </div>
        );
      case 'items':
        return (
          <div className="smstudio-ListWrapper">
            <ul className="smstudio-List">
              {state.items.map(item =>
                definition.renderItem ? (
                  <li
                    key={definition.key?.(item) ?? item.name}
                    className="smstudio-Item smstudio-mod-custom"
                    data-smstudio-item={item.name}
                  >
                    {definition.renderItem(item, this._context)}
                  </li>
                ) : (
                  <ListItem
                    key={definition.key?.(item) ?? item.name}
                    item={item}
                    describe={definition.describe}
                    open={definition.open}
                  />
                )
              )}
            </ul>
            {state.more && (
              <p className="smstudio-Message">
                {trans.__('Showing the first %1 items.', state.items.length)}
              </p>
            )}
          </div>
        );
    }
  }

  private get _context(): ISectionContext<T> {
    return {
      model: this.model,
      refresh: () => this.model.refresh({ byUser: true }),
      trans: this._trans
    };
  }

  private _definition: ISectionDefinition<T>;
  private _trans: TranslationBundle;
}

/**
 * One row of a list section.
 */
function ListItem<T extends IResourceSummary>(props: {
  item: T;
  describe?: (item: T) => string;
  open?: (item: T) => void;
}): React.ReactElement {
  const { item, describe, open } = props;
  const detail = describe ? describe(item) : '';
  const created = formatTime(item.created_ms);
  return (
    <li
      className={
        open ? 'smstudio-Item smstudio-Item-openable' : 'smstudio-Item'
      }
      data-smstudio-item={item.name}
      title={created ? `${item.name}, created ${created}` : item.name}
      {...(open
        ? {
            role: 'button',
            tabIndex: 0,
            onClick: () => open(item),
            onKeyDown: (event: React.KeyboardEvent) => {
              if (event.key === 'Enter' || event.key === ' ') {
                event.preventDefault();
                open(item);
              }
            }
          }
        : {})}
    >
      <span className="smstudio-Item-name">{item.name}</span>
      {detail && <span className="smstudio-Item-detail">{detail}</span>}
      {item.status && (
        <span
          className="smstudio-Item-status"
          data-status={String(item.status).toLowerCase()}
        >
          {item.status}
        </span>
      )}
    </li>
  );
}

/**
 * Options to make a list section.
 */
export interface IListSectionOptions {
  /**
   * The shared `/status` model.
   */
  status: StatusModel;
  /**
   * Seconds between polls.
   */
  refreshSeconds?: number;
  /**
   * The application translator.
   */
  translator?: ITranslator;
}

/**
 * A collapsible sidebar section that lists one kind of resource, with a
 * refresh button in its title bar.
 */
export class ListSection<T extends IResourceSummary> extends PanelWithToolbar {
  constructor(definition: ISectionDefinition<T>, options: IListSectionOptions) {
    super();
    const translator = options.translator ?? nullTranslator;
    const trans = translator.load(TRANSLATION_DOMAIN);
    this.id = `smstudio-section-${definition.id}`;
    this.addClass('smstudio-Section');
    this.node.dataset.smstudioSection = definition.id;
    this.title.label = definition.title;
    this.title.caption = definition.title;

    this.model = new ListModel<T>({
      status: options.status,
      feature: definition.feature,
      list: definition.list,
      refreshSeconds: options.refreshSeconds
    });

    this.toolbar.addItem(
      'refresh',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: trans.__('Refresh %1', definition.title),
        onClick: () => {
          void this.refresh();
        }
      })
    );
    this.addWidget(new ListView<T>(this.model, definition, translator));
  }

  /**
   * The section's model.
   */
  readonly model: ListModel<T>;

  /**
   * Fetch the status and this section's list now (counts as user activity).
   */
  async refresh(): Promise<void> {
    await this.model.status.refresh({ byUser: true });
    await this.model.refresh({ byUser: true });
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.dispose();
    super.dispose();
  }
}

/**
 * Make the section widget for a definition.
 */
export function createSection<T extends IResourceSummary>(
  definition: ISectionDefinition<T>,
  options: IListSectionOptions
): ListSection<T> {
  return new ListSection<T>(definition, options);
}
