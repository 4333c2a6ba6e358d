/**
 * What the jest specs share: the translation bundle, waiting on a condition,
 * JSON answers, mounting a React element and typing the way a user does.
 */
import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import type * as React from 'react';

export const trans = nullTranslator.load('jupyter_smstudio');

/**
 * Wait until `predicate` holds (polling), failing after `timeout` ms.
 */
export async function waitFor(
  predicate: () => boolean,
  timeout = 3000
): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeout) {
      throw new Error('Timed out waiting for the condition.');
    }
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}

/**
 * A JSON response as the server sends it (no body for a 204).
 */
export function json(body: unknown, status = 200): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' }
  });
}

/**
 * Mount `element` in the document.
 */
export function render(element: React.ReactElement): Widget {
  const widget = ReactWidget.create(element);
  Widget.attach(widget, document.body);
  return widget;
}

/**
 * Set an input's, text area's or select's value the way React sees a user's
 * typing (React tracks the value: set it through the prototype's setter).
 */
export function typeInto(element: Element | null, value: string): void {
  const proto =
    element instanceof HTMLSelectElement
      ? HTMLSelectElement.prototype
      : element instanceof HTMLTextAreaElement
        ? HTMLTextAreaElement.prototype
        : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(element, value);
  element!.dispatchEvent(
    new Event(element instanceof HTMLSelectElement ? 'change' : 'input', {
      bubbles: true
    })
  );
}

/**
 * The server's error answer naming `field` (`{"error": {code, message,
 * field}}`), a 400 ValidationError unless told otherwise.
 */
export function fieldError(
  field: string,
  message: string,
  status = 400,
  code = 'ValidationError'
): Response {
  return json({ error: { code, message, field } }, status);
}
