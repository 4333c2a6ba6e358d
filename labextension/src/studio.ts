/**
 * The SM Studio service the main plugin provides (`ISMStudio`): the sidebar's
 * sections and opening a job's detail view.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { DisposableDelegate } from '@lumino/disposable';
import type { IDisposable } from '@lumino/disposable';
import { Signal } from '@lumino/signaling';
import type { ISignal } from '@lumino/signaling';
import type { Widget } from '@lumino/widgets';

import type { IResourceSummary, JobKind } from './api';
import type { ISectionDefinition } from './components/listsection';
import { DEFAULT_SECTION_RANK } from './tokens';
import type {
  ISectionOptions,
  ISidebarSection,
  ISidebarSections,
  ISidebarSectionsChange,
  ISMStudio
} from './tokens';

/**
 * The sections of the SM Studio sidebar, kept in rank order.
 */
export class SidebarSections implements ISidebarSections {
  get sections(): ReadonlyArray<ISidebarSection> {
    return this._sections;
  }

  get changed(): ISignal<this, ISidebarSectionsChange> {
    return this._changed;
  }

  has(id: string): boolean {
    return this._sections.some(section => section.definition.id === id);
  }

  addSection<T extends IResourceSummary>(
    definition: ISectionDefinition<T>,
    options: ISectionOptions = {}
  ): IDisposable {
    if (this.has(definition.id)) {
      throw new Error(
        `The SM Studio sidebar has a section "${definition.id}" already.`
      );
    }
    const section: ISidebarSection = {
      definition: definition as ISectionDefinition<IResourceSummary>,
      rank: options.rank ?? DEFAULT_SECTION_RANK
    };
    // After every section of the same or a lower rank.
    let index = this._sections.findIndex(other => other.rank > section.rank);
    if (index < 0) {
      index = this._sections.length;
    }
    this._sections.splice(index, 0, section);
    this._changed.emit({ type: 'added', section, index });
    return new DisposableDelegate(() => this._remove(section));
  }

  private _remove(section: ISidebarSection): void {
    const index = this._sections.indexOf(section);
    if (index < 0) {
      return;
    }
    this._sections.splice(index, 1);
    this._changed.emit({ type: 'removed', section, index });
  }

  private _sections: ISidebarSection[] = [];
  private _changed = new Signal<this, ISidebarSectionsChange>(this);
}

/**
 * Options of the SM Studio service.
 */
export interface ISMStudioOptions {
  /**
   * How a job's detail view opens (the plugin owns the shell).
   */
  openJob: (kind: JobKind, name: string) => void;
  /**
   * How an endpoint's detail view opens.
   */
  openEndpoint: (name: string) => void;
}

/**
 * The SM Studio service: what `ISMStudio` gives other plugins.
 */
export class SMStudio implements ISMStudio {
  constructor(options: ISMStudioOptions) {
    this._openJob = options.openJob;
    this._openEndpoint = options.openEndpoint;
  }

  readonly sections = new SidebarSections();

  openJob(kind: JobKind, name: string): void {
    this._openJob(kind, name);
  }

  openEndpoint(name: string): void {
    this._openEndpoint(name);
  }

  private _openJob: (kind: JobKind, name: string) => void;
  private _openEndpoint: (name: string) => void;
}

/**
 * Bring the main-area widget with this id forward, or add the one `create`
 * makes (it must carry the id) and bring it forward.
 */
export function openInMain(
  shell: JupyterFrontEnd.IShell,
  id: string,
  create: () => Widget
): void {
  for (const widget of shell.widgets('main')) {
    if (widget.id === id) {
      shell.activateById(id);
      return;
    }
  }
  shell.add(create(), 'main');
  shell.activateById(id);
}
