import { expect, test } from '@jupyterlab/galata';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

/**
 * Screenshots a person can look at (git-ignored).
 */
const SCREENSHOTS = path.resolve(__dirname, '..', 'screenshots');
const DOCS_SCREENSHOT = path.resolve(
  __dirname,
  '..',
  '..',
  'docs',
  'screenshot-wrangler.png'
);

/**
 * A small sales table: a text column to drop, missing prices, a class column.
 */
function salesCSV(): string {
  const regions = ['north', 'south', 'east', 'west'];
  const lines = ['order_id,region,price,quantity,notes,returned'];
  for (let i = 1; i <= 120; i++) {
    const price = i % 9 === 0 ? '' : (5 + ((i * 37) % 50) / 2).toFixed(2);
    const returned = (i * 7) % 5 === 0 ? 'yes' : 'no';
    lines.push(
      `${i},${regions[i % 4]},${price},${1 + (i % 6)},note ${i},${returned}`
    );
  }
  return lines.join('\n') + '\n';
}

async function shot(
  page: IJupyterLabPageFixture,
  name: string
): Promise<string> {
  const file = path.join(SCREENSHOTS, name);
  await page.screenshot({ path: file });
  return file;
}

async function addStep(
  editor: Locator,
  operatorTitle: string,
  fill: (form: Locator) => Promise<void>
): Promise<void> {
  const before = await editor.locator('li[data-step]').count();
  await editor.locator('#smstudio-add-step').selectOption({
    label: operatorTitle
  });
  const form = editor.locator('[data-step-form]');
  await expect(form).toBeVisible();
  await fill(form);
  await form.getByRole('button', { name: 'Add step' }).click();
  await expect(form).toHaveCount(0, { timeout: 30_000 });
  await expect(editor.locator('li[data-step]')).toHaveCount(before + 1);
}

test.describe('Data Wrangler', () => {
  test.use({ viewport: { width: 1500, height: 900 } });

  test('imports a CSV, adds transforms, shows the report and exports code', async ({
    page,
    tmpPath
  }) => {
    test.setTimeout(180_000);
    const csvPath = `${tmpPath}/sales.csv`;
    await page.contents.uploadContent(salesCSV(), 'text', csvPath);

    // New flow from the launcher (it lands in the file browser's folder),
    // named in a dialog that proposes a free untitled name.
    await page.locator('.jp-LauncherCard', { hasText: 'Data Wrangler' }).click();
    const nameInput = page.locator('.jp-Dialog input');
    await expect(nameInput).toHaveValue('untitled.flow');
    await nameInput.fill('untitled');
    await page.locator('.jp-Dialog').getByRole('button', { name: 'Create' }).click();
    const editor = page.locator('.smstudio-Wrangler[data-smstudio-flow]');
    await expect(editor).toBeVisible({ timeout: 30_000 });
    await expect(editor).toHaveAttribute(
      'data-smstudio-flow',
      `${tmpPath}/untitled.flow`
    );

    // A missing file: the server's message shows next to the path field.
    await editor.locator('#smstudio-src-path').fill(`${tmpPath}/nope.csv`);
    await editor.getByRole('button', { name: 'Import' }).click();
    const pathError = editor.locator(
      '[data-source-form] .smstudio-SchemaForm-field:first-of-type .smstudio-Wrangler-fieldError'
    );
    await expect(pathError).toBeVisible({ timeout: 30_000 });
    await shot(page, 'wrangler-1-source-error.png');

    // Import the CSV, picked in JupyterLab's file dialog.
    await editor.locator('[data-source-browse]').click();
    const picker = page.locator('.jp-Dialog');
    await picker
      .locator('.jp-DirListing-item', { hasText: tmpPath.split('/').pop()! })
      .dblclick();
    await picker
      .locator('.jp-DirListing-item', { hasText: 'sales.csv' })
      .click();
    await picker.getByRole('button', { name: 'Select' }).click();
    await expect(editor.locator('#smstudio-src-path')).toHaveValue(csvPath);
    await editor.getByRole('button', { name: 'Import' }).click();
    await expect(editor.locator('[data-source-path]')).toHaveText(csvPath, {
      timeout: 30_000
    });
    const pager = editor.locator('[data-pager]');
    await expect(pager).toContainText('Rows 1–50 of 120');
    await expect(editor.locator('.smstudio-Wrangler-grid th')).toHaveCount(7);
    await editor.getByRole('button', { name: 'Next' }).click();
    await expect(pager).toContainText('Rows 51–100 of 120');
    await shot(page, 'wrangler-2-imported.png');

    // Three transforms through the generated forms.
    await addStep(editor, 'Drop columns', async form => {
      await form.getByRole('checkbox', { name: 'notes' }).check();
    });
    await expect(editor.locator('[data-diff]')).toContainText(
      'removed: notes'
    );
    await addStep(editor, 'Handle missing values', async form => {
      await form.getByRole('checkbox', { name: 'price' }).check();
      await form
        .locator('#smstudio-step-handle_missing-strategy')
        .selectOption('mean');
    });
    await addStep(editor, 'Custom formula (SQL)', async form => {
      await form
        .locator('#smstudio-step-custom_formula-expression')
        .fill('price * quantity');
      await form
        .locator('#smstudio-step-custom_formula-output_column')
        .fill('revenue');
    });
    await expect(editor.locator('[data-diff]')).toContainText(
      'added: revenue'
    );
    // The new column is scrolled to and marked; steps read in plain words.
    const revenue = editor.locator('.smstudio-Wrangler-grid th.is-new', {
      hasText: 'revenue'
    });
    await expect(revenue).toBeInViewport();
    await expect(editor.locator('[data-step-summary]')).toHaveText([
      'Drop notes',
      'Fill missing in price with mean',
      'Compute revenue = price * quantity'
    ]);
    await expect(editor.locator('[data-step-error]')).toHaveCount(0);
    const stepsShot = await shot(page, 'wrangler-3-steps.png');

    // A bad edit shows the error on its step and keeps the flow.
    const formula = editor.locator('li[data-operator="custom_formula"]');
    await formula.getByRole('button', { name: 'Edit' }).click();
    await editor
      .locator('#smstudio-step-custom_formula-expression')
      .fill('no_such_column * 2');
    await editor.getByRole('button', { name: 'Save step' }).click();
    await expect(formula.locator('[data-step-error]')).toBeVisible({
      timeout: 30_000
    });
    await expect(editor.locator('li[data-step]')).toHaveCount(3);
    await shot(page, 'wrangler-4-step-error.png');
    await formula.getByRole('button', { name: 'Edit' }).click();
    await editor
      .locator('#smstudio-step-custom_formula-expression')
      .fill('price * quantity');
    await editor.getByRole('button', { name: 'Save step' }).click();
    await expect(formula.locator('[data-step-error]')).toHaveCount(0, {
      timeout: 30_000
    });

    // Someone else changes the flow: a stale write is refused, reload fixes it.
    const flowName = encodeURIComponent(`${tmpPath}/untitled.flow`);
    const flowURL = `/smstudio/api/wrangler/flows/${flowName}`;
    const current = await (await page.request.get(flowURL)).json();
    const patched = await page.request.patch(flowURL, {
      data: { version: current.version, target: 'returned' }
    });
    expect(patched.ok()).toBe(true);
    await formula.getByRole('button', { name: 'Move up' }).click();
    const conflict = editor.locator('.smstudio-Wrangler-banner.is-conflict');
    await expect(conflict).toBeVisible({ timeout: 30_000 });
    await shot(page, 'wrangler-5-conflict.png');
    await conflict.getByRole('button', { name: 'Reload the flow' }).click();
    await expect(conflict).toHaveCount(0);

    // The insights report, with the target the other writer chose.
    await editor.locator('[data-tab="report"]').click();
    await expect(editor.locator('#smstudio-report-target')).toHaveValue(
      'returned'
    );
    await editor.getByRole('button', { name: 'Build the report' }).click();
    const report = editor.locator('[data-smstudio-report]');
    await expect(report).toBeVisible({ timeout: 90_000 });
    await expect(report.locator('[data-column="price"] svg')).toBeVisible();
    await expect(report.locator('[data-smstudio-target]')).toBeVisible();
    await expect(report.locator('.smstudio-Heatmap svg')).toBeVisible();
    await shot(page, 'wrangler-6-report.png');
    await report
      .locator('.smstudio-Heatmap')
      .screenshot({ path: path.join(SCREENSHOTS, 'wrangler-heatmap.png') });
    await report.locator('[data-smstudio-target]').scrollIntoViewIfNeeded();
    const reportShot = await shot(page, 'wrangler-7-report-target.png');

    // A step changes: the report says it is out of date, Refresh rebuilds it.
    await formula.getByRole('button', { name: 'Move up' }).click();
    const stale = editor.locator('[data-stale]');
    await expect(stale).toContainText('Out of date', { timeout: 30_000 });
    await shot(page, 'wrangler-polish-light.png');
    await stale.getByRole('button', { name: 'Refresh' }).click();
    await expect(stale).toHaveCount(0, { timeout: 90_000 });

    // Deleting a step asks first; cancelling keeps it.
    const dropStep = editor.locator('li[data-operator="drop_columns"]');
    await dropStep.getByRole('button', { name: 'Delete' }).click();
    const confirm = page.locator('.jp-Dialog');
    await expect(confirm).toContainText('Delete step 1?');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(editor.locator('li[data-step]')).toHaveCount(3);

    // The tabs move with the arrow keys.
    await editor.locator('[role="tab"][data-tab="report"]').focus();
    await page.keyboard.press('ArrowRight');
    await expect(
      editor.locator('[role="tab"][data-tab="export"]')
    ).toHaveAttribute('aria-selected', 'true');

    // Export a pandas script: it is written next to the flow and opened.
    await editor.locator('[data-export="pandas"]').click();
    await expect(editor.locator('[data-export-saved]')).toContainText(
      'untitled_pandas.py',
      { timeout: 30_000 }
    );
    await expect(
      page.locator('.lm-TabBar-tab', { hasText: 'untitled_pandas.py' })
    ).toBeVisible({ timeout: 30_000 });
    await shot(page, 'wrangler-8-export.png');

    // The sidebar lists the flow and opens it.
    await page.sidebar.openTab('smstudio-sidebar');
    const section = page.locator('[data-smstudio-section="wrangler"]');
    const item = section.locator(
      `[data-smstudio-item="${tmpPath}/untitled.flow"]`
    );
    await page
      .locator('#smstudio-sidebar [title="Refresh Data Wrangler"]')
      .click();
    await expect(item).toBeVisible({ timeout: 60_000 });
    await item.click();
    await expect(editor).toBeVisible();
    await shot(page, 'wrangler-9-sidebar.png');

    fs.mkdirSync(path.dirname(DOCS_SCREENSHOT), { recursive: true });
    fs.copyFileSync(stepsShot, DOCS_SCREENSHOT);
    expect(fs.existsSync(reportShot)).toBe(true);
  });

  test('imports a query on a SQLite file, with a preview and plain errors', async ({
    page,
    tmpPath
  }) => {
    test.setTimeout(120_000);
    // fixtures/shop.sqlite: table orders (id, city, total), 8 rows.
    const dbPath = `${tmpPath}/shop.sqlite`;
    await page.contents.uploadFile(
      path.resolve(__dirname, 'fixtures', 'shop.sqlite'),
      dbPath
    );
    await page.locator('.jp-LauncherCard', { hasText: 'Data Wrangler' }).click();
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Create' })
      .click();
    const editor = page.locator('.smstudio-Wrangler[data-smstudio-flow]');
    await expect(editor).toBeVisible({ timeout: 30_000 });

    await editor.getByRole('radio', { name: 'A database' }).check();
    const form = editor.locator('[data-database-form]');
    await form.locator('#smstudio-db-path').fill(dbPath);

    // A query on a table that is not there: the reason shows under the query.
    await form.locator('#smstudio-db-query').fill('SELECT * FROM order_lines');
    await form.getByRole('button', { name: 'Preview' }).click();
    const queryError = form.locator(
      '#smstudio-db-query ~ .smstudio-Wrangler-fieldError'
    );
    await expect(queryError).toContainText('no such table: order_lines', {
      timeout: 30_000
    });
    await expect(queryError).not.toContainText('source.query');
    await shot(page, 'wrangler-db-1-query-error.png');

    // The right query: its first rows, then the import.
    await form
      .locator('#smstudio-db-query')
      .fill("SELECT id, city, total FROM orders WHERE city <> 'Stavanger'");
    await form.getByRole('button', { name: 'Preview' }).click();
    const preview = form.locator('[data-source-preview]');
    await expect(preview.locator('tbody tr')).toHaveCount(7, {
      timeout: 30_000
    });
    await expect(queryError).toHaveCount(0);
    await shot(page, 'wrangler-db-2-preview.png');
    await form.getByRole('button', { name: 'Import' }).click();
    await expect(editor.locator('[data-source-database]')).toHaveText(dbPath, {
      timeout: 30_000
    });
    await expect(editor.locator('[data-pager]')).toContainText('Rows 1–7 of 7');
    await expect(editor.locator('.smstudio-Wrangler-grid th')).toHaveCount(4);
    await shot(page, 'wrangler-db-3-imported.png');
  });

  test('opens a .flow file from the file browser, in the dark theme', async ({
    page,
    tmpPath
  }) => {
    test.setTimeout(120_000);
    const csvPath = `${tmpPath}/sales.csv`;
    const flowPath = `${tmpPath}/dark.flow`;
    await page.contents.uploadContent(salesCSV(), 'text', csvPath);
    const created = await page.request.post('/smstudio/api/wrangler/flows', {
      data: { name: flowPath, source: { kind: 'file', path: csvPath } }
    });
    expect(created.status()).toBe(201);
    const flow = await created.json();
    const added = await page.request.post(
      `/smstudio/api/wrangler/flows/${encodeURIComponent(flowPath)}/steps`,
      {
        data: {
          version: flow.version,
          operator: 'one_hot_encode',
          params: { column: 'region' }
        }
      }
    );
    expect(added.status()).toBe(201);

    await page.theme.setDarkTheme();
    // File > New offers a flow.
    await page.locator('.lm-MenuBar-itemLabel', { hasText: 'File' }).click();
    await page.locator('.lm-Menu-itemLabel', { hasText: /^New$/ }).hover();
    await expect(
      page.getByRole('menuitem', { name: 'New Data Wrangler flow' })
    ).toBeVisible();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    // Open it from the file browser's context menu.
    await page.filebrowser.openDirectory(tmpPath);
    await page
      .locator('.jp-DirListing-item[data-file-type="smstudio-flow"]', {
        hasText: 'dark.flow'
      })
      .click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Open in Data Wrangler' }).click();
    const editor = page.locator(
      `.smstudio-Wrangler[data-smstudio-flow="${flowPath}"]`
    );
    await expect(editor).toBeVisible({ timeout: 30_000 });
    await expect(editor.locator('[data-diff]')).toContainText(
      'added: region_east'
    );
    await expect(editor.locator('[data-step-summary]')).toHaveText([
      'One-hot encode region'
    ]);
    await expect(
      editor.locator('.smstudio-Wrangler-grid th.is-new').first()
    ).toBeInViewport();
    await shot(page, 'wrangler-dark.png');
    await shot(page, 'wrangler-polish-dark.png');
    await editor.locator('[data-tab="report"]').click();
    await editor.getByRole('button', { name: 'Build the report' }).click();
    await expect(editor.locator('[data-smstudio-report]')).toBeVisible({
      timeout: 90_000
    });
    await shot(page, 'wrangler-dark-report.png');
    await page.theme.setLightTheme();
  });
});
