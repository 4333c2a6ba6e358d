import { expect, test } from '@jupyterlab/galata';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as fs from 'fs';
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

async function openSpaces(page: IJupyterLabPageFixture): Promise<Locator> {
  await page.sidebar.openTab('smstudio-sidebar');
  const section = page.locator(
    '#smstudio-sidebar [data-smstudio-section="spaces"]'
  );
  await expect(section).toBeVisible();
  return section;
}

async function shot(target: Locator | IJupyterLabPageFixture, name: string) {
  await target.screenshot({ path: path.join(SCREENSHOTS, name) });
}

test.describe('Spaces panel', () => {
  // Starting kernels and changing compute takes a while on a small machine.
  test.setTimeout(300_000);
  test.use({ viewport: { width: 1280, height: 800 } });

  test('create a space, run a notebook in it, change compute, stop it', async ({
    page
  }) => {
    const name = `galata-${Date.now().toString(36)}`;
    const section = await openSpaces(page);
    // Give the Spaces section the sidebar's height: fold the others.
    const titles = page.locator('#smstudio-sidebar .lm-AccordionPanel-title');
    const count = await titles.count();
    for (let index = 0; index < count; index++) {
      const title = titles.nth(index);
      if (
        !(await title.innerText()).match(/^spaces$/i) &&
        (await title.getAttribute('aria-expanded')) === 'true'
      ) {
        await title.click();
        await expect(title).toHaveAttribute('aria-expanded', 'false');
      }
    }

    // 1. The create form; a bad name is refused next to the field.
    await section.locator('[data-smstudio-new-space]').click();
    const form = section.locator('[data-smstudio-create-space]');
    await expect(form).toBeVisible();
    await form.locator('input[name="name"]').fill('not a name!');
    await form.getByRole('button', { name: 'Create and start' }).click();
    await expect(
      form.locator('[data-smstudio-field-error="name"]')
    ).toContainText('letters, digits and hyphens');
    await form.locator('input[name="name"]').fill(name);
    const profileSelect = form.locator('select[name="profile"]');
    await expect(profileSelect).toBeEnabled();
    await profileSelect.selectOption('ml.t3.medium');
    await form.locator('input[name="storage_gb"]').fill('2');
    await shot(section, 'spaces-1-create-form.png');
    await form.getByRole('button', { name: 'Create and start' }).click();
    await expect(form).toHaveCount(0);

    // 2. It reaches InService.
    const row = section.locator(`[data-smstudio-space="${name}"]`);
    await expect(row).toBeVisible();
    await expect(row.locator('[data-smstudio-space-status]')).toHaveAttribute(
      'data-smstudio-space-status',
      'InService',
      { timeout: SPACE_DEADLINE }
    );
    await expect(row.locator('[data-smstudio-space-profile]')).toHaveText(
      'ml.t3.medium'
    );
    await expect(row.locator('[data-smstudio-space-storage]')).toContainText(
      'of 2 GB'
    );
    await shot(section, 'spaces-2-in-service.png');

    // 3. Open a notebook in the space and run 1+1.
    await row.getByRole('button', { name: 'Open notebook' }).click();
    const panel = page.locator('.jp-NotebookPanel:visible');
    await expect(panel).toBeVisible({ timeout: 30_000 });
    await expect(page.locator('[data-smstudio-status]')).toHaveText(
      `SM Studio: ${name} · ml.t3.medium`,
      { timeout: 30_000 }
    );
    await page.notebook.setCell(0, 'code', '1+1');
    await page.notebook.runCell(0);
    const output = panel.locator('.jp-Cell').first().locator('.jp-OutputArea');
    await expect(output).toContainText('2', { timeout: 60_000 });
    await expect(panel.locator('.jp-OutputArea-output').first()).toHaveText(
      '2'
    );
    await shot(page, 'spaces-3-notebook.png');

    // The kernel shows in the space's details.
    await row.getByRole('button', { name: name }).click();
    await expect(row.locator('[data-smstudio-kernel]')).toHaveCount(1, {
      timeout: 30_000
    });
    await shot(section, 'spaces-3b-details.png');

    // 4. Change compute: the dialog says kernels restart and memory is lost.
    await row
      .getByRole('combobox', { name: `Change compute of ${name}` })
      .selectOption('ml.m5.large');
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('restart');
    await expect(dialog).toContainText('memory');
    await shot(page, 'spaces-4-change-compute-confirm.png');
    await dialog.getByRole('button', { name: 'Change compute' }).click();
    const message = row.locator('[data-smstudio-space-message="info"]');
    await expect(message).toContainText('Compute changed to ml.m5.large', {
      timeout: SPACE_DEADLINE
    });
    await expect(message).toContainText('Restarted kernels:');
    await expect(row.locator('[data-smstudio-space-profile]')).toHaveText(
      'ml.m5.large'
    );
    await expect(page.locator('[data-smstudio-status]')).toHaveText(
      `SM Studio: ${name} · ml.m5.large`,
      { timeout: 30_000 }
    );
    await expect(row.locator('[data-smstudio-events]')).toContainText(
      'Compute changed to ml.m5.large',
      { timeout: 30_000 }
    );
    await shot(page, 'spaces-4-compute-changed.png');
    await page.screenshot({ path: DOCS_SCREENSHOT });

    // 5. Stop it.
    await page.notebook.save();
    await page.notebook.close(true);
    await row.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect(row.locator('[data-smstudio-space-status]')).toHaveAttribute(
      'data-smstudio-space-status',
      'Stopped',
      { timeout: SPACE_DEADLINE }
    );
    await expect(
      row.getByRole('button', { name: 'Open notebook' })
    ).toBeDisabled();
    await shot(section, 'spaces-5-stopped.png');

    // Clean up: delete it (after an explicit confirmation).
    await row.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(dialog).toContainText('deletes its storage volume');
    await dialog.getByRole('button', { name: 'Delete space' }).click();
    await expect(row).toHaveCount(0, { timeout: SPACE_DEADLINE });
    expect(fs.existsSync(DOCS_SCREENSHOT)).toBe(true);
  });
});
