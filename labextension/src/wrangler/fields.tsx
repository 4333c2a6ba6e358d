/**
 * Server errors shown next to the form field they name.
 */
import * as React from 'react';

import { ApiError } from '../api';

/**
 * An error and the field it names (e.g. `source.query`), if any.
 */
export interface IFieldError {
  field: string | null;
  message: string;
}

export function fieldError(error: unknown): IFieldError {
  if (error instanceof ApiError) {
    return { field: error.field, message: error.message };
  }
  return {
    field: null,
    message: error instanceof Error ? error.message : String(error)
  };
}

/**
 * The message without its leading field name ("source.query: the query
 * failed…" → "the query failed…"), for showing it under that field.
 */
export function plainMessage(error: IFieldError): string {
  const prefix = `${error.field}: `;
  return error.field && error.message.startsWith(prefix)
    ? error.message.slice(prefix.length)
    : error.message;
}

export function FieldMessage(props: {
  message: string | null;
}): React.ReactElement | null {
  return props.message ? (
    <p className="smstudio-Wrangler-fieldError" role="alert">
      {props.message}
    </p>
  ) : null;
}
