import type { IPendingShutdown } from '../api';

/**
 * The parts of a document widget's context this module uses (duck-typed, so
 * that no document-manager dependency is needed).
 */
export interface IDocumentContextLike {
  path: string;
  model: { dirty: boolean };
  save(): Promise<void>;
  sessionContext?: {
    session?: { kernel?: { id: string; name: string } | null } | null;
  };
}

/**
 * The context of a widget, if it is a document widget.
 */
export function contextOf(widget: unknown): IDocumentContextLike | null {
  const context = (widget as { context?: IDocumentContextLike }).context;
  if (
    context &&
    typeof context.save === 'function' &&
    context.model &&
    typeof context.model.dirty === 'boolean'
  ) {
    return context;
  }
  return null;
}

/**
 * The kernel of a document, if it has one.
 */
export function kernelOf(
  context: IDocumentContextLike
): { id: string; name: string } | null {
  return context.sessionContext?.session?.kernel ?? null;
}

/**
 * Whether stopping `target` would lose what is open in this document.
 *
 * A kernel affects its notebooks and consoles; a space, documents running one
 * of its kernels (`smstudio-<space>`); the server, every document.
 */
export function affects(
  target: Pick<IPendingShutdown, 'kind' | 'id'>,
  context: IDocumentContextLike
): boolean {
  const kernel = kernelOf(context);
  switch (target.kind) {
    case 'server':
      return true;
    case 'kernel':
      return kernel?.id === target.id;
    case 'space':
      return kernel?.name === `smstudio-${target.id}`;
  }
  return false;
}

/**
 * Save every open document with unsaved changes that `target` affects.
 *
 * Returns the paths saved; a failed save is logged and does not stop the rest.
 */
export async function saveAffected(
  target: Pick<IPendingShutdown, 'kind' | 'id'>,
  widgets: Iterable<unknown>
): Promise<string[]> {
  const saved: string[] = [];
  const seen = new Set<IDocumentContextLike>();
  for (const widget of widgets) {
    const context = contextOf(widget);
    if (!context || seen.has(context)) {
      continue;
    }
    seen.add(context);
    if (context.model.dirty && affects(target, context)) {
      try {
        await context.save();
        saved.push(context.path);
      } catch (reason) {
        console.error(
          `jupyter-smstudio: could not save ${context.path} before an idle shutdown.`,
          reason
        );
      }
    }
  }
  return saved;
}
