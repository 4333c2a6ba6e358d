/* eslint-disable jupyter/prefer-lazy-imports --
 * The watcher starts polling at activation (it must see the states before
 * anything finishes), so its modules are needed then anyway.
 */
/**
 * Be told: a Lab notification when a job or endpoint reaches a final or failed
 * state (settings `jupyter-smstudio:notify`), optionally a browser one.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { TRANSLATION_DOMAIN } from '../components/listsection';
import { ISMStudio } from '../tokens';
import type { ITransition } from './transitions';
import { announce, FinishedWatcher } from './watcher';

export const NOTIFY_PLUGIN_ID = 'jupyter-smstudio:notify';

/**
 * The notification settings.
 */
export interface INotifySettings {
  enabled: boolean;
  browser: boolean;
}

export const DEFAULT_NOTIFY_SETTINGS: INotifySettings = {
  enabled: true,
  browser: false
};

/**
 * Read the settings, falling back to the defaults.
 */
export function readNotifySettings(
  settings: ISettingRegistry.ISettings | null
): INotifySettings {
  const enabled = settings?.get('notifyWhenFinished').composite;
  const browser = settings?.get('browserNotifications').composite;
  return {
    enabled:
      typeof enabled === 'boolean' ? enabled : DEFAULT_NOTIFY_SETTINGS.enabled,
    browser:
      typeof browser === 'boolean' ? browser : DEFAULT_NOTIFY_SETTINGS.browser
  };
}

/**
 * Ask the browser for permission, only when the user turned the setting on.
 */
async function browserAllowed(): Promise<boolean> {
  if (typeof window.Notification !== 'function') {
    return false;
  }
  if (window.Notification.permission === 'default') {
    return (await window.Notification.requestPermission()) === 'granted';
  }
  return window.Notification.permission === 'granted';
}

export const notifyPlugin: JupyterFrontEndPlugin<void> = {
  id: NOTIFY_PLUGIN_ID,
  description:
    'Notifications when SM Studio jobs and endpoints finish or fail.',
  autoStart: true,
  requires: [ISMStudio],
  optional: [ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    studio: ISMStudio,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    let settings = { ...DEFAULT_NOTIFY_SETTINGS };
    let browser = false;
    const opener = (t: ITransition): (() => void) | null => {
      if (t.kind === 'endpoint') {
        return () => studio.openEndpoint(t.name);
      }
      if (t.kind === 'tuning') {
        return null;
      }
      const kind = t.kind;
      return () => studio.openJob(kind, t.name);
    };
    const watcher = new FinishedWatcher({
      onTransitions: transitions => {
        if (settings.enabled) {
          announce(transitions, { trans, opener, browser });
        }
      },
      whileHidden: () => settings.enabled && browser
    });
    // The baseline: what is final already when the Lab loads is never told.
    void watcher.refresh();
    if (settingRegistry) {
      const apply = (loaded: ISettingRegistry.ISettings): void => {
        const before = settings;
        settings = readNotifySettings(loaded);
        if (settings.browser && !before.browser) {
          void browserAllowed().then(allowed => {
            browser = allowed && settings.browser;
          });
        } else if (!settings.browser) {
          browser = false;
        }
        const interval = loaded.get('refreshInterval').composite;
        if (typeof interval === 'number') {
          watcher.refreshSeconds = interval;
        }
      };
      settingRegistry
        .load(NOTIFY_PLUGIN_ID)
        .then(loaded => {
          apply(loaded);
          loaded.changed.connect(apply);
        })
        .catch(reason =>
          console.error('jupyter-smstudio: notification settings.', reason)
        );
    }
  }
};
