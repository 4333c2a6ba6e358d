/*
 * Jest setup from @jupyterlab/testing (jsdom environment with fetch, ts-jest
 * for TypeScript, babel for the ES modules that JupyterLab packages ship).
 */
const jestJupyterLab = require('@jupyterlab/testing/lib/jest-config');

const esModules = [
  '@codemirror',
  '@jupyter/ydoc',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@microsoft',
  '@jupyterlab/',
  'exenv-es6',
  'lib0',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

const baseConfig = jestJupyterLab(__dirname);

module.exports = {
  ...baseConfig,
  automock: false,
  collectCoverageFrom: [
    'labextension/src/**/*.{ts,tsx}',
    '!labextension/src/**/*.d.ts',
    '!labextension/src/**/__tests__/**'
  ],
  coverageReporters: ['lcov', 'text-summary'],
  // The built labextension carries its own copy of package.json.
  modulePathIgnorePatterns: [
    '<rootDir>/jupyter_smstudio/',
    '<rootDir>/ui-tests/',
    '<rootDir>/.venv/'
  ],
  reporters: ['default'],
  roots: ['<rootDir>/labextension/src'],
  testRegex: '/__tests__/.*\\.spec\\.tsx?$',
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`]
};
