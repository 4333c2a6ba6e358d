/**
 * Where a Data Wrangler file source may come from: the hint under the path
 * field, and a check of a URL's protocol before anything is sent.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { getSourceLocations } from '../api';
import type { ISourceLocations } from '../api';

const URL_PROTOCOL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/**
 * The protocol of a URL (`s3` for `s3://bucket/key`), or null for a path.
 */
export function urlProtocol(path: string): string | null {
  const match = URL_PROTOCOL.exec(path.trim());
  return match ? match[1].toLowerCase() : null;
}

/**
 * What the path field accepts on this server, in one sentence.
 */
export function sourcePathHint(
  locations: ISourceLocations | null,
  trans: TranslationBundle
): string {
  const kinds = [trans.__('a path in your directory (data/sales.csv)')];
  if (locations && locations.data_roots.length > 0) {
    const roots = locations.data_roots.map(r => `${r}:/…`).join(', ');
    kinds.push(trans.__('a file in a data root (%1)', roots));
  }
  if (locations && locations.protocols.length > 0) {
    const urls = locations.protocols.map(p => `${p}://…`).join(', ');
    kinds.push(trans.__('a URL (%1)', urls));
  }
  const last = kinds.pop() as string;
  const text =
    kinds.length > 0 ? trans.__('%1 or %2', kinds.join(', '), last) : last;
  return trans.__('Give %1.', text);
}

/**
 * Why the server would refuse this path's URL protocol, or null.
 *
 * Without the server's answer (`locations` null) nothing is refused here; the
 * server still checks.
 */
export function checkSourcePath(
  path: string,
  locations: ISourceLocations | null,
  trans: TranslationBundle
): string | null {
  const protocol = urlProtocol(path);
  if (protocol === null || locations === null) {
    return null;
  }
  if (locations.protocols.includes(protocol)) {
    return null;
  }
  if (locations.protocols.length === 0) {
    return trans.__(
      'This server reads no URLs: an administrator must allow %1:// first.',
      protocol
    );
  }
  return trans.__(
    '%1:// URLs are not allowed on this server (allowed: %2).',
    protocol,
    locations.protocols.map(p => `${p}://`).join(', ')
  );
}

/**
 * The server's data roots and URL protocols, asked once `enabled` is true;
 * null until then, or when the server does not answer.
 */
export function useSourceLocations(enabled: boolean): ISourceLocations | null {
  const [locations, setLocations] = React.useState<ISourceLocations | null>(
    null
  );
  React.useEffect(() => {
    if (!enabled || locations !== null) {
      return;
    }
    let current = true;
    getSourceLocations()
      .then(answer => {
        if (current) {
          setLocations(answer);
        }
      })
      .catch(() => undefined); // the hint then names only your directory
    return () => {
      current = false;
    };
  }, [enabled, locations]);
  return locations;
}
