/**
 * The state of one flow's editor and what the user can do with it; the view
 * (`editor.tsx`) renders `state` and calls the actions.
 */
import { VDomModel } from '@jupyterlab/ui-components';

import {
  addStep,
  ApiError,
  deleteStep,
  fitFlow,
  getFlow,
  listOperators,
  previewFlow,
  updateFlow,
  updateStep
} from '../api';
import type {
  IFlow,
  IOperator,
  IPreview,
  ISampling,
  IStep,
  IStepStatus,
  StepParams,
  WranglerSource
} from '../api';
import { fieldError } from './fields';
import type { IFieldError } from './fields';
import { defaultParams, missingRequired } from './schemaform';

/**
 * Rows per page of the data grid.
 */
export const PAGE_SIZE = 50;

/**
 * The tabs of the editor's main area.
 */
export type Tab = 'data' | 'report' | 'export';

/**
 * The step form: a new step at a position, or an existing step.
 */
export type Editing =
  | {
      mode: 'add';
      operator: string;
      params: StepParams;
      title: string;
      position: number;
    }
  | { mode: 'edit'; step: IStep; params: StepParams; title: string };

/**
 * Everything the editor shows. Replaced as a whole on every change, so a
 * view can compare snapshots by identity.
 */
export interface IFlowEditorState {
  /**
   * The flow as the server last answered it, `null` until it has loaded.
   */
  readonly flow: IFlow | null;
  /**
   * Why the flow could not be read.
   */
  readonly loadError: string | null;
  /**
   * A write was refused because someone else changed the flow (HTTP 409).
   */
  readonly conflict: boolean;
  /**
   * A message for the banner (a failed action).
   */
  readonly notice: string | null;
  readonly operators: IOperator[];
  /**
   * The step whose data is on show: `'source'`, a step id, or `null` for the
   * last step.
   */
  readonly selected: string | null;
  /**
   * The first row of the data page.
   */
  readonly offset: number;
  readonly preview: IPreview | null;
  readonly previewError: string | null;
  /**
   * A write is on its way.
   */
  readonly busy: boolean;
  readonly tab: Tab;
  readonly editing: Editing | null;
  /**
   * Why the step form was refused, with the field it names.
   */
  readonly formError: IFieldError | null;
  /**
   * The columns the step form can pick from: the input of the step.
   */
  readonly inputColumns: string[];
}

/**
 * The calls of the API client the editor makes.
 */
export interface IFlowClient {
  getFlow: typeof getFlow;
  listOperators: typeof listOperators;
  previewFlow: typeof previewFlow;
  updateFlow: typeof updateFlow;
  addStep: typeof addStep;
  updateStep: typeof updateStep;
  deleteStep: typeof deleteStep;
  fitFlow: typeof fitFlow;
}

/**
 * The API client's calls.
 */
export const FLOW_CLIENT: IFlowClient = {
  getFlow,
  listOperators,
  previewFlow,
  updateFlow,
  addStep,
  updateStep,
  deleteStep,
  fitFlow
};

/**
 * Options of the editor model.
 */
export interface IFlowEditorModelOptions {
  /**
   * The flow's path relative to the server root.
   */
  name: string;
  /**
   * Called after every successful write of the flow.
   */
  onWritten?: (flow: IFlow) => void;
  /**
   * The calls to make; defaults to the API client's (`FLOW_CLIENT`).
   */
  client?: IFlowClient;
}

const INITIAL: IFlowEditorState = {
  flow: null,
  loadError: null,
  conflict: false,
  notice: null,
  operators: [],
  selected: null,
  offset: 0,
  preview: null,
  previewError: null,
  busy: false,
  tab: 'data',
  editing: null,
  formError: null,
  inputColumns: []
};

/**
 * The editor of one flow.
 *
 * Writes carry the version the editor read; a refused one (409) sets
 * `conflict` and `reload()` reads the flow again. The preview follows the
 * flow, the selected step and the offset: each change asks for it anew and
 * only the latest answer is kept.
 */
export class FlowEditorModel extends VDomModel {
  constructor(options: IFlowEditorModelOptions) {
    super();
    this.name = options.name;
    this._onWritten = options.onWritten;
    this._client = options.client ?? FLOW_CLIENT;
  }

  /**
   * The flow's path relative to the server root.
   */
  readonly name: string;

  /**
   * What the editor shows now.
   */
  get state(): IFlowEditorState {
    return this._state;
  }

  /**
   * The flow's steps (none before it has loaded).
   */
  get steps(): ReadonlyArray<IStep> {
    return this._state.flow?.steps ?? [];
  }

  /**
   * Where a new step goes: after the step on show (or at the end).
   */
  get insertAt(): number {
    const { selected } = this._state;
    const steps = this.steps;
    if (selected === 'source') {
      return 0;
    }
    if (selected === null) {
      return steps.length;
    }
    return (
      Math.max(
        0,
        steps.findIndex(s => s.id === selected)
      ) + 1
    );
  }

  /**
   * The operator of the step in the form.
   */
  get editingOperator(): IOperator | undefined {
    const { editing, operators } = this._state;
    if (!editing) {
      return undefined;
    }
    const name =
      editing.mode === 'add' ? editing.operator : editing.step.operator;
    return operators.find(o => o.name === name);
  }

  /**
   * The required parameters the step form still lacks.
   */
  get missing(): string[] {
    const { editing } = this._state;
    const operator = this.editingOperator;
    return editing && operator
      ? missingRequired(operator.params_schema, editing.params)
      : [];
  }

  /**
   * How a step ran in the last preview (its error and warnings).
   */
  stepStatus(id: string): IStepStatus | undefined {
    return this._state.preview?.steps.find(s => s.id === id);
  }

  /**
   * Read the flow and the operators.
   */
  async load(): Promise<void> {
    const reading = this.reload();
    const operators = this._client.listOperators().then(
      answer => this._set({ operators: answer }),
      error => this._set({ notice: fieldError(error).message })
    );
    await Promise.all([reading, operators]);
  }

  /**
   * Read the flow again (after an error or a conflict).
   */
  async reload(): Promise<void> {
    try {
      const loaded = await this._client.getFlow(this.name);
      this._set({ flow: loaded, loadError: null, conflict: false });
    } catch (error) {
      this._set({ loadError: fieldError(error).message });
    }
  }

  /**
   * Show the data after a step (`'source'`: before the first), from row 1.
   */
  select(step: string | null): void {
    this._set({ selected: step, offset: 0 });
  }

  /**
   * Show the data page that starts at this row.
   */
  setOffset(offset: number): void {
    this._set({ offset });
  }

  setTab(tab: Tab): void {
    this._set({ tab });
  }

  dismissNotice(): void {
    this._set({ notice: null });
  }

  /**
   * Open the form of a new step with this operator, where `insertAt` says.
   *
   * @returns Once the form's input columns are in.
   */
  async startAdd(operator: IOperator): Promise<void> {
    const position = this.insertAt;
    this._set({
      editing: {
        mode: 'add',
        operator: operator.name,
        params: defaultParams(operator.params_schema),
        title: '',
        position
      },
      formError: null
    });
    this._set({ inputColumns: await this._columnsBefore(position) });
  }

  /**
   * Open the form of an existing step.
   *
   * @returns Once the form's input columns are in.
   */
  async startEdit(step: IStep): Promise<void> {
    this._set({
      editing: {
        mode: 'edit',
        step,
        params: { ...step.params },
        title: step.title
      },
      formError: null
    });
    this._set({
      inputColumns: await this._columnsBefore(this.steps.indexOf(step))
    });
  }

  /**
   * Change the parameters or the title in the step form.
   */
  changeEditing(change: { params?: StepParams; title?: string }): void {
    const { editing } = this._state;
    if (editing) {
      this._set({ editing: { ...editing, ...change } });
    }
  }

  cancelEditing(): void {
    this._set({ editing: null });
  }

  /**
   * Add or save the step in the form, then show the data after it; a refusal
   * goes to `formError`.
   */
  async submitStep(): Promise<void> {
    const { editing } = this._state;
    if (!editing) {
      return;
    }
    try {
      const next = await this._write(version =>
        editing.mode === 'add'
          ? this._client.addStep(this.name, {
              version,
              operator: editing.operator,
              params: editing.params,
              title: editing.title,
              position: editing.position
            })
          : this._client.updateStep(this.name, editing.step.id, {
              version,
              params: editing.params,
              title: editing.title
            })
      );
      if (next) {
        const index =
          editing.mode === 'add'
            ? Math.min(editing.position, next.steps.length - 1)
            : next.steps.findIndex(s => s.id === editing.step.id);
        this._set({
          editing: null,
          selected:
            index < 0 || index === next.steps.length - 1
              ? null
              : next.steps[index].id,
          offset: 0
        });
      }
    } catch (error) {
      this._set({ formError: fieldError(error) });
    }
  }

  /**
   * Read from another source, then show the last step from row 1.
   *
   * @throws What the server answered, for the source form to show.
   */
  async saveSource(source: WranglerSource): Promise<void> {
    await this._write(version =>
      this._client.updateFlow(this.name, { version, source })
    );
    this._set({ selected: null, offset: 0 });
  }

  /**
   * Preview another sample, from row 1.
   *
   * @throws What the server answered, for the sampling form to show.
   */
  async saveSampling(sampling: ISampling): Promise<void> {
    await this._write(version =>
      this._client.updateFlow(this.name, { version, sampling })
    );
    this._set({ offset: 0 });
  }

  /**
   * Fit every step on all rows instead of the sample.
   */
  refit(): Promise<void> {
    return this._act(version =>
      this._client.fitFlow(this.name, version, 'full')
    );
  }

  /**
   * Move a step to another position.
   */
  moveStep(step: IStep, position: number): Promise<void> {
    return this._act(version =>
      this._client.updateStep(this.name, step.id, { version, position })
    );
  }

  /**
   * Delete a step (the last step is on show after, if it was on show).
   */
  deleteStep(step: IStep): Promise<void> {
    if (this._state.selected === step.id) {
      this._set({ selected: null });
    }
    return this._act(version =>
      this._client.deleteStep(this.name, step.id, version)
    );
  }

  /**
   * Send a version-checked write; on 409 set `conflict` and answer `null`.
   */
  private async _write(
    send: (version: number) => Promise<IFlow>
  ): Promise<IFlow | null> {
    const { flow } = this._state;
    if (!flow) {
      return null;
    }
    this._set({ busy: true });
    try {
      const next = await send(flow.version);
      this._set({ flow: next, conflict: false });
      this._onWritten?.(next);
      return next;
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        this._set({ conflict: true });
        return null;
      }
      throw error;
    } finally {
      this._set({ busy: false });
    }
  }

  /**
   * A write whose failure goes to the banner.
   */
  private async _act(send: (version: number) => Promise<IFlow>): Promise<void> {
    try {
      await this._write(send);
    } catch (error) {
      this._set({ notice: fieldError(error).message });
    }
  }

  /**
   * The columns going into the step at `index` (the preview's on failure).
   */
  private async _columnsBefore(index: number): Promise<string[]> {
    const steps = this.steps;
    const fallback = this._state.preview;
    const step = index <= 0 ? 'source' : steps[index - 1].id;
    try {
      const answer = await this._client.previewFlow(this.name, {
        step,
        limit: 1
      });
      return answer.columns.map(c => c.name);
    } catch {
      return fallback?.columns.map(c => c.name) ?? [];
    }
  }

  /**
   * Apply a change, tell the view, and ask for the preview anew when what it
   * shows changed.
   */
  private _set(change: Partial<IFlowEditorState>): void {
    if (this.isDisposed) {
      return;
    }
    const before = this._state;
    this._state = { ...before, ...change };
    this.stateChanged.emit(void 0);
    const after = this._state;
    if (
      before.flow !== after.flow ||
      before.selected !== after.selected ||
      before.offset !== after.offset
    ) {
      this._loadPreview();
    }
  }

  private _loadPreview(): void {
    const { flow, selected, offset } = this._state;
    const request = ++this._previewRequest;
    if (!flow || !flow.source) {
      this._set({ preview: null });
      return;
    }
    this._client
      .previewFlow(this.name, { step: selected, offset, limit: PAGE_SIZE })
      .then(answer => {
        if (request === this._previewRequest) {
          this._set({ preview: answer, previewError: null });
        }
      })
      .catch(error => {
        if (request === this._previewRequest) {
          this._set({ previewError: fieldError(error).message });
        }
      });
  }

  private _state: IFlowEditorState = INITIAL;
  private _previewRequest = 0;
  private _onWritten: ((flow: IFlow) => void) | undefined;
  private _client: IFlowClient;
}
