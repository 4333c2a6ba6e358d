import { expect, test } from '@jupyterlab/galata';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as path from 'path';

/**
 * Screenshots a person can look at (git-ignored).
 */
const SCREENSHOTS = path.resolve(__dirname, '..', 'screenshots');

const SECTIONS = [
  { id: 'spaces', title: 'Spaces', empty: 'No spaces yet.' },
  { id: 'jobs', title: 'Jobs', empty: 'No jobs yet.' },
  { id: 'endpoints', title: 'Endpoints', empty: 'No endpoints yet.' },
  {
    id: 'wrangler',
    title: 'Data Wrangler',
    empty: 'No Data Wrangler flows yet.'
  }
];

async function openSidebar(page: IJupyterLabPageFixture): Promise<Locator> {
  await page.sidebar.openTab('smstudio-sidebar');
  const sidebar = page.locator('#smstudio-sidebar');
  await expect(sidebar).toBeVisible();
  return sidebar;
}

/**
 * These tests are about how the sidebar shows what the server answers, not about
 * the server's state: other specs leave jobs behind on the shared server, so every
 * list answers empty here unless a test says otherwise.
 */
const LISTS =
  /\/smstudio\/api\/(spaces|training-jobs|processing-jobs|transform-jobs|endpoints|wrangler\/flows)(\?.*)?$/;

async function emptyLists(page: IJupyterLabPageFixture): Promise<void> {
  await page.route(LISTS, route =>
    route.request().method() === 'GET'
      ? route.fulfill({ json: { items: [], next_token: null } })
      : route.fallback()
  );
  await page.goto(); // load Lab again, now with the empty lists
}

function sectionTitle(sidebar: Locator, title: string): Locator {
  return sidebar.locator('.lm-AccordionPanel-title').filter({
    has: sidebar.page().getByText(title, { exact: true })
  });
}

test.describe('SM Studio sidebar', () => {
  test('shows the four sections with their empty states', async ({ page }) => {
    await emptyLists(page);
    const sidebar = await openSidebar(page);

    for (const section of SECTIONS) {
      await expect(sectionTitle(sidebar, section.title)).toBeVisible();
      const body = sidebar.locator(`[data-smstudio-section="${section.id}"]`);
      await expect(body).toBeVisible();
      const empty = body.locator('[data-smstudio-empty]');
      await expect(empty).toContainText(section.empty);
      await expect(empty).toContainText('will appear here');
      await expect(body.locator('[data-smstudio-error]')).toHaveCount(0);
    }

    const status = page.locator('[data-smstudio-status]');
    await expect(status).toBeVisible();
    await expect(status).toHaveText(/^SM Studio: (no space|.+ · .+)$/);

    await sidebar.screenshot({ path: path.join(SCREENSHOTS, 'sidebar.png') });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'lab.png') });
  });

  test('looks right in the dark theme', async ({ page }) => {
    await page.theme.setDarkTheme();
    await emptyLists(page);
    const sidebar = await openSidebar(page);
    await expect(
      sidebar.locator('[data-smstudio-section="spaces"] [data-smstudio-empty]')
    ).toBeVisible();
    await sidebar.screenshot({
      path: path.join(SCREENSHOTS, 'sidebar-dark.png')
    });
    await page.theme.setLightTheme();
  });

  test('shows the server error message instead of a blank panel', async ({
    page
  }) => {
    await emptyLists(page);
    const sidebar = await openSidebar(page);
    await expect(
      sidebar.locator('[data-smstudio-section="spaces"] [data-smstudio-empty]')
    ).toBeVisible();

    await page.route('**/smstudio/api/status**', route =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({
          error: {
            code: 'ServiceUnavailable',
            message: 'The SM Studio database is being upgraded.',
            field: null
          }
        })
      })
    );
    await page.getByTitle('Refresh Spaces').click();

    const error = sidebar.locator(
      '[data-smstudio-section="spaces"] [data-smstudio-error]'
    );
    await expect(error).toContainText(
      'The SM Studio database is being upgraded.'
    );
    await expect(error).toContainText('ServiceUnavailable (HTTP 503)');
    await expect(page.locator('[data-smstudio-status]')).toHaveText(
      'SM Studio: unavailable'
    );
    await sidebar.screenshot({
      path: path.join(SCREENSHOTS, 'sidebar-error.png')
    });

    // Once the server answers again, the sections recover.
    await page.unroute('**/smstudio/api/status**');
    await page.getByTitle('Refresh Spaces').click();
    await expect(
      sidebar.locator('[data-smstudio-section="spaces"] [data-smstudio-empty]')
    ).toBeVisible();
  });

  test('lists what the server answers once an area is on', async ({ page }) => {
    await emptyLists(page);
    const sidebar = await openSidebar(page);
    await page.route('**/smstudio/api/status**', async route => {
      const response = await route.fetch();
      const status = await response.json();
      await route.fulfill({
        response,
        json: {
          ...status,
          features: { ...status.features, spaces: true },
          current_space: { name: 'research', profile: 'ml.t3.medium' }
        }
      });
    });
    await page.route('**/smstudio/api/spaces**', route =>
      route.fulfill({
        json: {
          items: [
            {
              name: 'research',
              status: 'InService',
              created_ms: 1732165200000,
              profile: 'ml.t3.medium'
            },
            { name: 'gpu-experiments', status: 'Failed', created_ms: 1 }
          ],
          next_token: null
        }
      })
    );
    await page.getByTitle('Refresh Spaces').click();

    const spaces = sidebar.locator('[data-smstudio-section="spaces"]');
    await expect(spaces.locator('[data-smstudio-item]')).toHaveCount(2);
    await expect(
      spaces.locator('[data-smstudio-item="research"]')
    ).toContainText('ml.t3.medium');
    await expect(page.locator('[data-smstudio-status]')).toHaveText(
      'SM Studio: research · ml.t3.medium'
    );
    // The other areas stay off: their empty states remain.
    await expect(
      sidebar.locator('[data-smstudio-section="jobs"] [data-smstudio-empty]')
    ).toBeVisible();
    await sidebar.screenshot({
      path: path.join(SCREENSHOTS, 'sidebar-items.png')
    });
    await page.unroute('**/smstudio/api/**');
  });
});
