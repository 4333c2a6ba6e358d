/**
 * SM Studio's main-area views come back after a reload (JupyterLab's layout
 * restorer, one `WidgetTracker` per kind of view), and commands open them.
 */
import type { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { WidgetTracker } from '@jupyterlab/apputils';
import type { IDocumentWidget } from '@jupyterlab/docregistry';
import type { Widget } from '@lumino/widgets';

import type { JobKind } from './api';

/**
 * Command ids of the views (they are also the restore commands).
 */
export namespace ViewCommandIDs {
  export const openJob = 'smstudio:open-job';
  export const openEndpoint = 'smstudio:open-endpoint';
  export const openAccessKeys = 'smstudio:open-access-keys';
}

/**
 * The trackers of SM Studio's main-area views, by kind.
 */
export interface IViewTrackers {
  jobs: WidgetTracker<Widget>;
  endpoints: WidgetTracker<Widget>;
  keys: WidgetTracker<Widget>;
}

const ARGS = new WeakMap<Widget, Record<string, string>>();

/**
 * Make the trackers and tell the restorer how to reopen each view.
 */
export function createViewTrackers(
  restorer: ILayoutRestorer | null
): IViewTrackers {
  const trackers: IViewTrackers = {
    jobs: new WidgetTracker<Widget>({ namespace: 'smstudio-job' }),
    endpoints: new WidgetTracker<Widget>({ namespace: 'smstudio-endpoint' }),
    keys: new WidgetTracker<Widget>({ namespace: 'smstudio-access-keys' })
  };
  const commands: Record<keyof IViewTrackers, string> = {
    jobs: ViewCommandIDs.openJob,
    endpoints: ViewCommandIDs.openEndpoint,
    keys: ViewCommandIDs.openAccessKeys
  };
  for (const key of Object.keys(trackers) as (keyof IViewTrackers)[]) {
    void restorer?.restore(trackers[key], {
      command: commands[key],
      args: widget => ARGS.get(widget) ?? {},
      name: widget => widget.id
    });
  }
  return trackers;
}

/**
 * Track a new view with the arguments its command reopens it with.
 */
export function trackView<T extends Widget>(
  tracker: WidgetTracker<Widget>,
  widget: T,
  args: Record<string, string>
): T {
  ARGS.set(widget, args);
  void tracker.add(widget);
  return widget;
}

/**
 * The arguments the job command takes, checked.
 */
export function jobArgs(
  args: Record<string, unknown>
): { kind: JobKind; name: string } | null {
  const kinds: JobKind[] = ['training', 'processing', 'transform'];
  return typeof args.name === 'string' && kinds.includes(args.kind as JobKind)
    ? { kind: args.kind as JobKind, name: args.name }
    : null;
}

/**
 * Restore the Data Wrangler editors too: the wrangler plugin's document
 * factory (whenever it is registered) feeds a tracker reopened through
 * `docmanager:open`.
 */
export function restoreDocuments(
  app: JupyterFrontEnd,
  restorer: ILayoutRestorer | null,
  factoryName: string,
  namespace: string
): void {
  if (!restorer) {
    return;
  }
  const tracker = new WidgetTracker<IDocumentWidget>({ namespace });
  void restorer.restore(tracker, {
    command: 'docmanager:open',
    args: widget => ({ path: widget.context.path, factory: factoryName }),
    name: widget => widget.context.path
  });
  let hooked = false;
  const hook = (): void => {
    const factory = app.docRegistry.getWidgetFactory(factoryName);
    if (hooked || !factory) {
      return;
    }
    hooked = true;
    factory.widgetCreated.connect((_, widget) => {
      const doc = widget as IDocumentWidget;
      doc.context.pathChanged.connect(() => void tracker.save(doc));
      void tracker.add(doc);
    });
  };
  hook();
  app.docRegistry.changed.connect(() => hook());
}

/**
 * The selected `.py` file of the file browser (found by its widget id, the
 * file browser package not being a dependency), or null.
 */
export function selectedPythonFile(app: JupyterFrontEnd): string | null {
  for (const widget of app.shell.widgets('left')) {
    const browser = widget as Widget & {
      selectedItems?: () => Iterable<{ path: string; type: string }>;
    };
    if (widget.id === 'filebrowser' && browser.selectedItems) {
      for (const item of browser.selectedItems()) {
        if (item.path.endsWith('.py')) {
          return item.path;
        }
      }
    }
  }
  return null;
}
