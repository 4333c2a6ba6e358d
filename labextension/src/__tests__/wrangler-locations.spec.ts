import { ServerConnection } from '@jupyterlab/services';

import { getSourceLocations } from '../api';
import type { ISourceLocations } from '../api';
import {
  checkSourcePath,
  sourcePathHint,
  urlProtocol
} from '../wrangler/locations';
import { trans } from './helpers';

const CONFIGURED: ISourceLocations = {
  data_roots: ['datasets', 'shared'],
  protocols: ['https', 's3']
};
const NOTHING: ISourceLocations = { data_roots: [], protocols: [] };

describe('source locations', () => {
  it('tells URLs from paths and data roots', () => {
    expect(urlProtocol('S3://bucket/key.csv')).toBe('s3');
    expect(urlProtocol('  https://example.org/a.csv')).toBe('https');
    expect(urlProtocol('datasets:/a.csv')).toBeNull();
    expect(urlProtocol('data/sales.csv')).toBeNull();
    expect(urlProtocol('C:/data.csv')).toBeNull();
  });

  it('lists the configured roots and protocols in the hint', () => {
    expect(sourcePathHint(CONFIGURED, trans)).toBe(
      'Give a path in your directory (data/sales.csv), a file in a data root ' +
        '(datasets:/…, shared:/…) or a URL (https://…, s3://…).'
    );
    expect(sourcePathHint({ ...NOTHING, protocols: ['s3'] }, trans)).toBe(
      'Give a path in your directory (data/sales.csv) or a URL (s3://…).'
    );
    expect(sourcePathHint(NOTHING, trans)).toBe(
      'Give a path in your directory (data/sales.csv).'
    );
    expect(sourcePathHint(null, trans)).toBe(
      'Give a path in your directory (data/sales.csv).'
    );
  });

  it('refuses URL protocols the administrator did not allow', () => {
    expect(checkSourcePath('s3://bucket/a.csv', CONFIGURED, trans)).toBeNull();
    expect(checkSourcePath('HTTPS://host/a.csv', CONFIGURED, trans)).toBeNull();
    expect(checkSourcePath('ftp://host/a.csv', CONFIGURED, trans)).toBe(
      'ftp:// URLs are not allowed on this server (allowed: https://, s3://).'
    );
    expect(checkSourcePath('s3://bucket/a.csv', NOTHING, trans)).toBe(
      'This server reads no URLs: an administrator must allow s3:// first.'
    );
    expect(checkSourcePath('datasets:/a.csv', NOTHING, trans)).toBeNull();
    expect(checkSourcePath('data/a.csv', CONFIGURED, trans)).toBeNull();
    // Before the server answered, the server alone decides.
    expect(checkSourcePath('ftp://host/a.csv', null, trans)).toBeNull();
  });

  it('asks the server for them', async () => {
    const urls: string[] = [];
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/',
      fetch: async (input: RequestInfo | URL) => {
        urls.push(new URL((input as Request).url).pathname);
        return new Response(JSON.stringify(CONFIGURED), {
          status: 200,
          headers: { 'Content-Type': 'application/json' }
        });
      }
    });
    expect(await getSourceLocations({ settings })).toEqual(CONFIGURED);
    expect(urls).toEqual(['/smstudio/api/wrangler/sources/locations']);
  });
});
