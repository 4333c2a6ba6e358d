import type { ISettingRegistry } from '@jupyterlab/settingregistry';

import { DEFAULT_REFRESH_SECONDS, MIN_REFRESH_SECONDS } from './model/polling';

/**
 * The user settings of the extension (see `labextension/schema/plugin.json`).
 */
export interface ISmStudioSettings {
  /**
   * Seconds between two refreshes of the sidebar and the status bar.
   */
  refreshInterval: number;
  /**
   * Whether the status bar shows the current space.
   */
  showStatusBarItem: boolean;
}

/**
 * The settings used when none are stored (or the registry is missing).
 */
export const DEFAULT_SETTINGS: ISmStudioSettings = {
  refreshInterval: DEFAULT_REFRESH_SECONDS,
  showStatusBarItem: true
};

/**
 * Read the settings, falling back to defaults for missing or invalid values.
 */
export function readSettings(
  settings: ISettingRegistry.ISettings | null
): ISmStudioSettings {
  if (!settings) {
    return { ...DEFAULT_SETTINGS };
  }
  const interval = settings.get('refreshInterval').composite;
  const showItem = settings.get('showStatusBarItem').composite;
  return {
    refreshInterval:
      typeof interval === 'number' && Number.isFinite(interval)
        ? Math.max(MIN_REFRESH_SECONDS, interval)
        : DEFAULT_SETTINGS.refreshInterval,
    showStatusBarItem:
      typeof showItem === 'boolean'
        ? showItem
        : DEFAULT_SETTINGS.showStatusBarItem
  };
}
