/**
 * The space page's pure logic: plain field names and errors, the idle
 * timeout's bounds, the script counter, notebooks' spaces, idle wording.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import { ApiError } from '../api';
import { toApiError } from '../model/polling';

/**
 * SageMaker's limit on a lifecycle configuration's content (characters).
 */
export const MAX_SCRIPT_CHARS = 16384;

/**
 * The fields of the space and lifecycle forms the server may name, by label.
 */
export function fieldLabels(
  trans: TranslationBundle
): Readonly<Record<string, string>> {
  return {
    name: trans.__('Name'),
    profile: trans.__('Compute'),
    storage_gb: trans.__('Storage'),
    idle_timeout_minutes: trans.__('Idle timeout'),
    image: trans.__('Image'),
    lifecycle_configs: trans.__('Lifecycle configurations'),
    sharing: trans.__('Sharing'),
    members: trans.__('Members'),
    content: trans.__('Script'),
    type: trans.__('Type'),
    description: trans.__('Description'),
    minutes: trans.__('Keep running for')
  };
}

/**
 * The create form's fields (the server may name one in an error's `field`).
 */
export const CREATE_FIELDS = [
  'name',
  'profile',
  'storage_gb',
  'idle_timeout_minutes',
  'image',
  'lifecycle_configs',
  'sharing',
  'members'
] as const;

const FIELDS: ReadonlyArray<string> = [
  ...CREATE_FIELDS,
  'content',
  'type',
  'description',
  'minutes'
];

/**
 * The form field an API `field` is about (`body.members.0` → `members`).
 */
export function fieldOf(
  field: string | null | undefined,
  fields: ReadonlyArray<string> = FIELDS
): string | null {
  if (!field) {
    return null;
  }
  for (const part of field.split(/[.[\]/]/)) {
    if (fields.includes(part)) {
      return part;
    }
  }
  return null;
}

/**
 * A server message in plain words: API field names become the form's labels
 * (`idle_timeout_minutes 15 is outside …` → `Idle timeout 15 is outside …`).
 */
export function plainMessage(
  message: string,
  trans: TranslationBundle
): string {
  let text = message;
  for (const [field, label] of Object.entries(fieldLabels(trans))) {
    if (field.includes('_')) {
      text = text.split(field).join(label);
    }
  }
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * An error next to its field: which field (or `null` for the whole form)
 * and the message in plain words.
 */
export interface IFieldError {
  field: string | null;
  message: string;
}

/**
 * Where a failed request's error goes in a form.
 */
export function fieldErrorOf(
  reason: unknown,
  trans: TranslationBundle
): IFieldError {
  const error = toApiError(reason);
  const field = error instanceof ApiError ? fieldOf(error.field) : null;
  return { field, message: plainMessage(error.message, trans) };
}

/**
 * What the administrator allows for idle timeouts (from `GET /idle`'s policy).
 */
export interface IIdleBounds {
  enabled: boolean;
  default_timeout_minutes: number;
  min_timeout_minutes: number;
  max_timeout_minutes: number;
  users_may_disable: boolean;
}

function minutes(value: number): string {
  return value.toLocaleString('en-US');
}

/**
 * The bounds shown beside the idle timeout field.
 */
export function idleBoundsText(
  bounds: IIdleBounds | null,
  trans: TranslationBundle
): string {
  if (!bounds) {
    return '';
  }
  if (!bounds.enabled) {
    return trans.__('Idle shutdown is turned off on this server.');
  }
  const range = trans.__(
    'Allowed: %1 to %2 minutes (default %3).',
    minutes(bounds.min_timeout_minutes),
    minutes(bounds.max_timeout_minutes),
    minutes(bounds.default_timeout_minutes)
  );
  return bounds.users_may_disable
    ? `${range} ${trans.__('0 means never.')}`
    : range;
}

/**
 * What is wrong with an idle timeout typed in the field, checked as the
 * server will; `null` when it is fine (or empty: the default).
 */
export function checkIdleTimeout(
  value: string,
  bounds: IIdleBounds | null,
  trans: TranslationBundle
): string | null {
  const text = value.trim();
  if (!text) {
    return null;
  }
  const number = Number(text);
  if (!Number.isInteger(number) || number < 0) {
    return trans.__('Enter a whole number of minutes.');
  }
  if (!bounds) {
    return null;
  }
  if (number === 0) {
    return bounds.users_may_disable
      ? null
      : trans.__('The administrator does not allow turning idle shutdown off.');
  }
  if (
    number < bounds.min_timeout_minutes ||
    number > bounds.max_timeout_minutes
  ) {
    return trans.__(
      'Choose between %1 and %2 minutes.',
      minutes(bounds.min_timeout_minutes),
      minutes(bounds.max_timeout_minutes)
    );
  }
  return null;
}

/**
 * The script's character counter.
 */
export interface ICounter {
  count: number;
  left: number;
  over: boolean;
  text: string;
}

/**
 * "1,234 / 16,384 characters", and whether the script is too long.
 */
export function scriptCounter(
  content: string,
  limit = MAX_SCRIPT_CHARS
): ICounter {
  // Characters as the server counts them (code points, not UTF-16 units).
  const count = Array.from(content).length;
  return {
    count,
    left: limit - count,
    over: count > limit,
    text: `${count.toLocaleString('en-US')} / ${limit.toLocaleString('en-US')}`
  };
}

/**
 * The space whose folder holds `path` (`spaces/<name>/…`), or `null`.
 */
export function spaceOfPath(path: string, folder = 'spaces'): string | null {
  const base = folder.replace(/^\/+|\/+$/g, '');
  if (!base) {
    return null;
  }
  const clean = path.replace(/^\/+/, '');
  if (!clean.startsWith(base + '/')) {
    return null;
  }
  const rest = clean.slice(base.length + 1).split('/');
  // A notebook lives inside the space's folder, not as the folder itself.
  return rest.length >= 2 && rest[0] ? rest[0] : null;
}

/**
 * "stops in 12 min", "stops in under a minute", "" when nothing is planned.
 */
export function stopsIn(
  atMs: number | null | undefined,
  nowMs: number,
  trans: TranslationBundle
): string {
  if (typeof atMs !== 'number') {
    return '';
  }
  const seconds = (atMs - nowMs) / 1000;
  if (seconds < 60) {
    return trans.__('stops in under a minute');
  }
  const count = Math.round(seconds / 60);
  return trans._n('stops in %1 min', 'stops in %1 min', count);
}

/**
 * "idle 3 min", from idle seconds.
 */
export function idleFor(seconds: number, trans: TranslationBundle): string {
  if (seconds < 60) {
    return trans.__('idle under a minute');
  }
  const count = Math.floor(seconds / 60);
  return count < 120
    ? trans.__('idle %1 min', count)
    : trans.__('idle %1 h', Math.floor(count / 60));
}

/**
 * One coming idle shutdown, named as the user knows it.
 */
export interface INamedShutdown {
  kind: 'kernel' | 'space' | 'server';
  /**
   * The notebooks of a kernel, or the space's name.
   */
  what: string;
  inSeconds: number;
}

/**
 * One notification's text for every coming shutdown (soonest first).
 */
export function shutdownSummary(
  items: INamedShutdown[],
  trans: TranslationBundle
): string {
  if (items.length === 0) {
    return '';
  }
  const sorted = [...items].sort((a, b) => a.inSeconds - b.inSeconds);
  const soonest = Math.max(1, Math.round(sorted[0].inSeconds / 60));
  const names = sorted.map(item =>
    item.kind === 'kernel'
      ? trans.__('the kernel of %1', item.what)
      : item.kind === 'space'
        ? trans.__('space “%1”', item.what)
        : trans.__('this server')
  );
  const list =
    names.length === 1
      ? names[0]
      : `${names.slice(0, -1).join(', ')} ${trans.__('and')} ${names[names.length - 1]}`;
  const text = trans._n(
    '%2 will be shut down for inactivity in about %1 minute. Unsaved documents are saved first.',
    '%2 will be shut down for inactivity in about %1 minutes. Unsaved documents are saved first.',
    soonest,
    list
  );
  return text.charAt(0).toUpperCase() + text.slice(1);
}
