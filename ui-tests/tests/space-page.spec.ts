import { expect, test } from '@jupyterlab/galata';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as path from 'path';

/**
 * Screenshots a person can look at (git-ignored).
 */
const SCREENSHOTS = path.resolve(__dirname, '..', 'screenshots');

/**
 * The screenshot the README shows.
 */
const DOCS_SCREENSHOT = path.resolve(
  __dirname,
  '..',
  '..',
  'docs',
  'screenshot-spaces.png'
);

/**
 * How long a space may take to start or stop (no lifecycle scripts here).
 */
const SPACE_DEADLINE = 90_000;

/**
 * A notebook saved with the default kernel: opening it in the space's
 * folder must move it to the space's kernel.
 */
const NOTEBOOK = JSON.stringify({
  cells: [
    {
      cell_type: 'code',
      execution_count: null,
      metadata: {},
      outputs: [],
      source: ''
    }
  ],
  metadata: {
    kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' }
  },
  nbformat: 4,
  nbformat_minor: 5
});

async function shot(target: Locator | IJupyterLabPageFixture, name: string) {
  await target.screenshot({ path: path.join(SCREENSHOTS, name) });
}

async function tab(page: IJupyterLabPageFixture, label: string) {
  await page.locator('.lm-DockPanel .lm-TabBar-tab', { hasText: label }).click();
}

async function runAndExpect(
  page: IJupyterLabPageFixture,
  panel: Locator,
  code: string,
  output: string
) {
  await page.notebook.setCell(0, 'code', code);
  await page.notebook.runCell(0);
  await expect(
    panel.locator('.jp-Cell').first().locator('.jp-OutputArea-output')
  ).toHaveText(output, { timeout: 60_000 });
}

test.describe('Space page', () => {
  test.setTimeout(420_000);
  test.use({ viewport: { width: 1280, height: 860 } });

  test('create a space on its page, live in it, change compute, stop and start it', async ({
    page
  }) => {
    const name = `page-${Date.now().toString(36)}`;
    const folder = `spaces/${name}`;
    const dialog = page.locator('.jp-Dialog');

    // 1. "+ New space" opens the create form in the main area; the idle
    // bounds are beside their field and a refusal names it in plain words.
    await page.sidebar.openTab('smstudio-sidebar');
    await page
      .locator('#smstudio-sidebar [data-smstudio-new-space]')
      .first()
      .click();
    const create = page.locator('[data-smstudio-new-space-page]');
    await expect(create).toBeVisible();
    const form = create.locator('[data-smstudio-create-space]');
    await expect(form.locator('[data-smstudio-idle-bounds]')).toContainText(
      'minutes'
    );
    await form.locator('input[name="name"]').fill(name);
    await expect(form.locator('select[name="profile"]')).toBeEnabled();
    await form.locator('select[name="profile"]').selectOption('ml.t3.medium');
    await form.locator('input[name="storage_gb"]').fill('2');
    await form.locator('input[name="idle_timeout_minutes"]').fill('1');
    await form.getByRole('button', { name: 'Create and start' }).click();
    const idleError = form.locator(
      '[data-smstudio-field-error="idle_timeout_minutes"]'
    );
    await expect(idleError).toContainText('Idle timeout');
    await expect(idleError).not.toContainText('idle_timeout_minutes');
    await shot(create, 'space-page-1-create-error.png');
    await form.locator('input[name="idle_timeout_minutes"]').fill('');
    await form.getByRole('button', { name: 'Create and start' }).click();

    // 2. The space's page opens and the space reaches InService.
    const spacePage = page.locator(`[data-smstudio-space-page="${name}"]`);
    await expect(spacePage).toBeVisible({ timeout: 30_000 });
    const status = spacePage.locator('[data-smstudio-space-status]');
    await expect(status).toHaveAttribute(
      'data-smstudio-space-status',
      'InService',
      { timeout: SPACE_DEADLINE }
    );
    await expect(
      spacePage.locator('[data-smstudio-idle-bounds]')
    ).toContainText('minutes');
    await expect(spacePage.locator('[data-smstudio-space-storage]')).toContainText(
      'of 2 GB'
    );

    // 3. A notebook in the space's folder picks the space's kernel.
    await page.contents.uploadContent(NOTEBOOK, 'text', `${folder}/walk.ipynb`);
    await page.sidebar.openTab('filebrowser');
    await page.notebook.openByPath(`${folder}/walk.ipynb`);
    const panel = page.locator('.jp-NotebookPanel:visible');
    await expect(panel).toBeVisible({ timeout: 30_000 });
    const kernelName = panel.locator('.jp-Toolbar-kernelName');
    await expect(kernelName).toHaveText(`Python 3 · ${name} · ml.t3.medium`, {
      timeout: 60_000
    });
    await expect(page.locator('[data-smstudio-status]')).toHaveText(
      `SM Studio: ${name} · ml.t3.medium`,
      { timeout: 30_000 }
    );

    // 4. What it writes is in the file browser under the space.
    await runAndExpect(
      page,
      panel,
      "print(open('from-kernel.txt', 'w').write('hello'))",
      '5'
    );
    await page.filebrowser.openDirectory(folder);
    await page.filebrowser.refresh();
    await expect(
      page.locator('.jp-DirListing-item', { hasText: 'from-kernel.txt' })
    ).toBeVisible({ timeout: 30_000 });

    // 5. The page lists the kernel with its notebook; light and dark.
    await tab(page, `Space: ${name}`);
    await expect(spacePage.locator('[data-smstudio-kernels]')).toContainText(
      'walk.ipynb',
      { timeout: 30_000 }
    );
    await shot(page, 'space-page-2-light.png');
    await page.screenshot({ path: DOCS_SCREENSHOT });
    await page.theme.setDarkTheme();
    await shot(page, 'space-page-2-dark.png');
    await page.theme.setLightTheme();

    // 6. Change compute: the notebook shows the new profile and runs again
    // without picking a kernel.
    await spacePage.locator('select[name="profile"]').selectOption('ml.m5.large');
    await expect(dialog).toContainText('files stay');
    await dialog.getByRole('button', { name: 'Change compute' }).click();
    await expect(spacePage.locator('[data-smstudio-space-note]')).toContainText(
      'Compute changed to ml.m5.large',
      { timeout: SPACE_DEADLINE }
    );
    await tab(page, 'walk.ipynb');
    await expect(kernelName).toHaveText(`Python 3 · ${name} · ml.m5.large`, {
      timeout: 60_000
    });
    await runAndExpect(page, panel, 'print(1 + 1)', '2');

    // 7. Stop asks (a kernel runs), then start: the notebook reconnects.
    await tab(page, `Space: ${name}`);
    await spacePage.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect(dialog).toContainText('kernel is running');
    await expect(dialog).toContainText('walk.ipynb');
    await shot(page, 'space-page-3-stop-confirm.png');
    await dialog.getByRole('button', { name: 'Stop space' }).click();
    await expect(status).toHaveAttribute(
      'data-smstudio-space-status',
      'Stopped',
      { timeout: SPACE_DEADLINE }
    );
    await spacePage.getByRole('button', { name: 'Start', exact: true }).click();
    await expect(status).toHaveAttribute(
      'data-smstudio-space-status',
      'InService',
      { timeout: SPACE_DEADLINE }
    );
    await tab(page, 'walk.ipynb');
    await expect(kernelName).toHaveText(`Python 3 · ${name} · ml.m5.large`, {
      timeout: 60_000
    });
    await runAndExpect(page, panel, 'print(2 + 2)', '4');
    await shot(page, 'space-page-4-reconnected.png');

    // Clean up: delete it from its page (after a confirmation).
    await page.notebook.save();
    await page.notebook.close(true);
    await tab(page, `Space: ${name}`);
    await spacePage.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(dialog).toContainText('deletes its storage volume');
    await dialog.getByRole('button', { name: 'Delete space' }).click();
    await expect(spacePage).toHaveCount(0, { timeout: SPACE_DEADLINE });
  });

  test('write a lifecycle configuration from a template, attach it, open a terminal', async ({
    page
  }) => {
    const name = `lcc-${Date.now().toString(36)}`;
    const config = `env-${Date.now().toString(36)}`;
    const dialog = page.locator('.jp-Dialog');

    // The configurations page: a ready script in Lab's editor, a live counter.
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('smstudio:lifecycle-configs');
    });
    const lifecycle = page.locator('[data-smstudio-lifecycle-page]');
    await expect(lifecycle).toBeVisible();
    const form = lifecycle.locator('[data-smstudio-lifecycle-form]');
    await form
      .locator('select[name="template"]')
      .selectOption('set-kernel-env');
    await expect(form.locator('.cm-editor')).toContainText('kernel.env');
    await expect(form.locator('[data-smstudio-script-counter]')).toContainText(
      '/ 16,384 characters'
    );
    await form.locator('input[name="name"]').fill(config);
    await shot(page, 'space-page-5-lifecycle-light.png');
    await page.theme.setDarkTheme();
    await shot(page, 'space-page-5-lifecycle-dark.png');
    await page.theme.setLightTheme();
    await form.getByRole('button', { name: 'Create' }).click();
    await expect(
      lifecycle.locator(`[data-smstudio-lifecycle-config="${config}"]`)
    ).toBeVisible();

    // A space attaches it on its page; the Terminal button opens Lab's terminal.
    await page.sidebar.openTab('smstudio-sidebar');
    await page
      .locator('#smstudio-sidebar [data-smstudio-new-space]')
      .first()
      .click();
    const create = page.locator('[data-smstudio-new-space-page]');
    await create.locator('input[name="name"]').fill(name);
    await create.getByRole('button', { name: 'Create and start' }).click();
    const spacePage = page.locator(`[data-smstudio-space-page="${name}"]`);
    await expect(spacePage.locator('[data-smstudio-space-status]')).toHaveAttribute(
      'data-smstudio-space-status',
      'InService',
      { timeout: SPACE_DEADLINE }
    );
    const attach = spacePage.locator('[data-smstudio-space-lifecycle]');
    await attach.getByRole('checkbox', { name: new RegExp(config) }).check();
    await attach.getByRole('button', { name: 'Save' }).click();
    await expect(spacePage.locator('[data-smstudio-space-note]')).toContainText(
      'Lifecycle configurations saved'
    );
    await spacePage.locator('[data-smstudio-space-terminal]').click();
    await expect(page.locator('.jp-Terminal:visible')).toBeVisible({
      timeout: 30_000
    });
    await tab(page, `Space: ${name}`);
    await expect(spacePage.locator('[data-smstudio-terminals]')).toBeVisible({
      timeout: 30_000
    });

    // Clean up.
    await spacePage.getByRole('button', { name: 'Stop', exact: true }).click();
    await dialog.getByRole('button', { name: 'Stop space' }).click();
    await expect(spacePage.locator('[data-smstudio-space-status]')).toHaveAttribute(
      'data-smstudio-space-status',
      'Stopped',
      { timeout: SPACE_DEADLINE }
    );
    await spacePage.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete space' }).click();
    await expect(spacePage).toHaveCount(0, { timeout: SPACE_DEADLINE });
  });
});
