import * as React from 'react';

import { ApiError } from '../api';
import {
  checkIdleTimeout,
  fieldErrorOf,
  idleBoundsText,
  plainMessage,
  scriptCounter,
  shutdownSummary,
  spaceOfPath,
  stopsIn
} from '../spaces/fields';
import type { IIdleBounds } from '../spaces/fields';
import { LifecycleConfigForm } from '../spaces/lifecycle';
import { boundsOf, IdleSettings } from '../spaces/page';
import { readSpaceKernelMode } from '../spaces/plugin';
import { render, trans, typeInto, waitFor } from './helpers';

const BOUNDS: IIdleBounds = {
  enabled: true,
  default_timeout_minutes: 60,
  min_timeout_minutes: 60,
  max_timeout_minutes: 525600,
  users_may_disable: true
};

describe('idle timeout bounds', () => {
  it('shows the administrator bounds in plain numbers', () => {
    expect(idleBoundsText(BOUNDS, trans)).toBe(
      'Allowed: 60 to 525,600 minutes (default 60). 0 means never.'
    );
    expect(idleBoundsText({ ...BOUNDS, users_may_disable: false }, trans)).toBe(
      'Allowed: 60 to 525,600 minutes (default 60).'
    );
    expect(idleBoundsText({ ...BOUNDS, enabled: false }, trans)).toBe(
      'Idle shutdown is turned off on this server.'
    );
    expect(idleBoundsText(null, trans)).toBe('');
  });

  it('reads the bounds from the idle report policy', () => {
    expect(
      boundsOf({
        policy: {
          enabled: true,
          check_interval_seconds: 60,
          warning_minutes: 5,
          default_timeout_minutes: 60,
          min_timeout_minutes: 60,
          max_timeout_minutes: 525600,
          users_may_disable: true
        },
        pending: []
      })
    ).toEqual(BOUNDS);
    expect(
      boundsOf({
        policy: {
          enabled: true,
          check_interval_seconds: 1,
          warning_minutes: 1
        },
        pending: []
      })
    ).toBeNull();
  });

  it('checks a typed timeout as the server will', () => {
    expect(checkIdleTimeout('', BOUNDS, trans)).toBeNull();
    expect(checkIdleTimeout('120', BOUNDS, trans)).toBeNull();
    expect(checkIdleTimeout('0', BOUNDS, trans)).toBeNull();
    expect(checkIdleTimeout('15', BOUNDS, trans)).toBe(
      'Choose between 60 and 525,600 minutes.'
    );
    expect(checkIdleTimeout('1.5', BOUNDS, trans)).toBe(
      'Enter a whole number of minutes.'
    );
    expect(
      checkIdleTimeout('0', { ...BOUNDS, users_may_disable: false }, trans)
    ).toBe('The administrator does not allow turning idle shutdown off.');
  });

  it('shows the bounds beside the field and the problem next to it', async () => {
    const saved: Array<number | null> = [];
    const widget = render(
      <IdleSettings
        minutes={null}
        bounds={BOUNDS}
        trans={trans}
        onSave={minutes => saved.push(minutes)}
      />
    );
    await waitFor(
      () => !!widget.node.querySelector('[data-smstudio-idle-bounds]')
    );
    expect(
      widget.node.querySelector('[data-smstudio-idle-bounds]')!.textContent
    ).toContain('60 to 525,600 minutes');
    const input = widget.node.querySelector('input') as HTMLInputElement;
    typeInto(input, '15');
    await waitFor(
      () =>
        !!widget.node.querySelector(
          '[data-smstudio-field-error="idle_timeout_minutes"]'
        )
    );
    const save = widget.node.querySelector('button') as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    typeInto(input, '90');
    await waitFor(() => !save.disabled);
    save.click();
    expect(saved).toEqual([90]);
    widget.dispose();
  });
});

describe('field errors in plain words', () => {
  it('names the form field instead of the API field', () => {
    expect(
      plainMessage(
        'idle_timeout_minutes 15 is outside the allowed 60..525600',
        trans
      )
    ).toBe('Idle timeout 15 is outside the allowed 60..525600');
    expect(plainMessage('storage_gb must be at most 50', trans)).toBe(
      'Storage must be at most 50'
    );
  });

  it('puts a 400 next to its field', () => {
    const error = new ApiError({
      status: 400,
      code: 'InvalidInput',
      message: 'idle_timeout_minutes 15 is outside the allowed range',
      field: 'body.idle_timeout_minutes'
    });
    expect(fieldErrorOf(error, trans)).toEqual({
      field: 'idle_timeout_minutes',
      message: 'Idle timeout 15 is outside the allowed range'
    });
    expect(fieldErrorOf(new Error('network down'), trans)).toEqual({
      field: null,
      message: 'Network down'
    });
  });
});

describe('lifecycle script counter', () => {
  it('counts characters against the 16,384 limit', () => {
    expect(scriptCounter('')).toMatchObject({ count: 0, over: false });
    expect(scriptCounter('#'.repeat(16384))).toMatchObject({
      count: 16384,
      left: 0,
      over: false,
      text: '16,384 / 16,384'
    });
    expect(scriptCounter('#'.repeat(16385))).toMatchObject({
      over: true,
      left: -1
    });
    // Code points, as the server counts them.
    expect(scriptCounter('é😀').count).toBe(2);
  });

  it('shows the counter live and refuses a script over the limit', async () => {
    const widget = render(
      <LifecycleConfigForm trans={trans} templates={[]} onCreated={() => 0} />
    );
    await waitFor(
      () => !!widget.node.querySelector('[data-smstudio-script-counter]')
    );
    const counter = () =>
      widget.node.querySelector('[data-smstudio-script-counter]')!
        .textContent ?? '';
    expect(counter()).toBe('20 / 16,384 characters');
    const area = widget.node.querySelector('textarea') as HTMLTextAreaElement;
    const setter = Object.getOwnPropertyDescriptor(
      HTMLTextAreaElement.prototype,
      'value'
    )!.set!;
    setter.call(area, '#'.repeat(16390));
    area.dispatchEvent(new Event('input', { bubbles: true }));
    await waitFor(() => counter().includes('6 too many'));
    const name = widget.node.querySelector(
      'input[name="name"]'
    ) as HTMLInputElement;
    typeInto(name, 'big');
    const submit = widget.node.querySelector(
      'button[type="submit"]'
    ) as HTMLButtonElement;
    await waitFor(() => name.value === 'big');
    expect(submit.disabled).toBe(true);
    widget.dispose();
  });

  it('fills the form from a ready script', async () => {
    const widget = render(
      <LifecycleConfigForm
        trans={trans}
        templates={[
          {
            name: 'clone-repo',
            type: 'on-create',
            description: 'clones a repository',
            content: '#!/bin/bash\ngit clone "$REPO"\n'
          }
        ]}
        onCreated={() => 0}
      />
    );
    const select = () =>
      widget.node.querySelector('select[name="template"]') as HTMLSelectElement;
    await waitFor(() => !!select());
    select().value = 'clone-repo';
    select().dispatchEvent(new Event('change', { bubbles: true }));
    await waitFor(
      () =>
        (widget.node.querySelector('textarea') as HTMLTextAreaElement).value ===
        '#!/bin/bash\ngit clone "$REPO"\n'
    );
    expect(
      (widget.node.querySelector('select[name="type"]') as HTMLSelectElement)
        .value
    ).toBe('on-create');
    expect(
      (widget.node.querySelector('input[name="name"]') as HTMLInputElement)
        .value
    ).toBe('clone-repo');
    widget.dispose();
  });
});

describe('notebooks and idleness', () => {
  it('finds the space of a notebook in its folder', () => {
    expect(spaceOfPath('spaces/research/a.ipynb')).toBe('research');
    expect(spaceOfPath('/spaces/research/sub/a.ipynb')).toBe('research');
    expect(spaceOfPath('spaces/research')).toBeNull();
    expect(spaceOfPath('other/research/a.ipynb')).toBeNull();
    expect(spaceOfPath('work/spaces/a/b.ipynb', 'work/spaces')).toBe('a');
    expect(spaceOfPath('spaces/a/b.ipynb', '')).toBeNull();
  });

  it('reads the kernel setting, pick by default', () => {
    expect(readSpaceKernelMode(undefined)).toBe('pick');
    expect(readSpaceKernelMode('offer')).toBe('offer');
    expect(readSpaceKernelMode('off')).toBe('off');
    expect(readSpaceKernelMode('nonsense')).toBe('pick');
  });

  it('says when it stops', () => {
    const now = 1_000_000;
    expect(stopsIn(now + 12 * 60_000, now, trans)).toBe('stops in 12 min');
    expect(stopsIn(now + 20_000, now, trans)).toBe('stops in under a minute');
    expect(stopsIn(null, now, trans)).toBe('');
  });

  it('collapses warnings into one message naming notebooks and spaces', () => {
    expect(
      shutdownSummary(
        [
          { kind: 'space', what: 'research', inSeconds: 240 },
          { kind: 'kernel', what: 'spaces/research/a.ipynb', inSeconds: 120 }
        ],
        trans
      )
    ).toBe(
      'The kernel of spaces/research/a.ipynb and space “research” will be shut down for inactivity in about 2 minutes. Unsaved documents are saved first.'
    );
    expect(shutdownSummary([], trans)).toBe('');
  });
});
