import type { ISettingRegistry } from '@jupyterlab/settingregistry';

import { PollingModel } from '../model/polling';
import { DEFAULT_SETTINGS, readSettings } from '../settings';

/**
 * A stand-in for the loaded settings with the given composite values.
 */
function fakeSettings(
  values: Record<string, unknown>
): ISettingRegistry.ISettings {
  return {
    get: (key: string) => ({ composite: values[key], user: values[key] })
  } as unknown as ISettingRegistry.ISettings;
}

describe('readSettings', () => {
  it('uses the defaults without a registry', () => {
    expect(readSettings(null)).toEqual({
      refreshInterval: 10,
      showStatusBarItem: true
    });
    expect(DEFAULT_SETTINGS.refreshInterval).toBe(10);
  });

  it('reads the stored values', () => {
    expect(
      readSettings(
        fakeSettings({ refreshInterval: 30, showStatusBarItem: false })
      )
    ).toEqual({ refreshInterval: 30, showStatusBarItem: false });
  });

  it('raises intervals below the minimum and ignores invalid values', () => {
    expect(
      readSettings(fakeSettings({ refreshInterval: 0.5 })).refreshInterval
    ).toBe(2);
    expect(
      readSettings(
        fakeSettings({ refreshInterval: 'fast', showStatusBarItem: 'yes' })
      )
    ).toEqual(DEFAULT_SETTINGS);
  });
});

describe('PollingModel.frequency', () => {
  it('polls every interval and backs off up to 30 intervals', () => {
    expect(PollingModel.frequency(10)).toEqual({
      interval: 10000,
      backoff: true,
      max: 300000
    });
    expect(PollingModel.frequency(1).interval).toBe(2000);
    expect(PollingModel.frequency(undefined).interval).toBe(10000);
  });
});
