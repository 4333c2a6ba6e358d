/**
 * Playwright configuration for the Galata UI tests.
 *
 * Runs with `jlpm playwright test` and nothing else: it starts JupyterLab
 * from the repository's virtualenv (../.venv) when there is one, and uses
 * Debian's Chromium (/usr/bin/chromium) because Playwright cannot download
 * its own browser here. Set CHROMIUM_PATH to use another browser binary.
 */
const fs = require('fs');
const path = require('path');

const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD ??= '1';

const venvBin = path.resolve(__dirname, '..', '.venv', 'bin');
const serverPath = fs.existsSync(path.join(venvBin, 'jupyter'))
  ? `${venvBin}${path.delimiter}${process.env.PATH}`
  : process.env.PATH;

const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const launchOptions = fs.existsSync(chromium)
  ? {
      executablePath: chromium,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync'
      ]
    }
  : {};

module.exports = {
  ...baseConfig,
  // One JupyterLab server for every test: run them one after the other.
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  // Never serve the HTML report and wait: the run must end by itself.
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    ...baseConfig.use,
    // Recording video needs Playwright's own ffmpeg download, which is not
    // available here; traces and screenshots are enough.
    video: 'off',
    screenshot: 'only-on-failure',
    launchOptions
  },
  webServer: {
    command: 'jlpm start',
    url: 'http://localhost:8888/lab',
    timeout: 120 * 1000,
    reuseExistingServer: !process.env.CI,
    env: { ...process.env, PATH: serverPath }
  }
};
