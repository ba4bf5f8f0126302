/**
 * What a user does in the Berth UI, as steps the end-to-end suites share (local and SSH hosts).
 * Selectors are the accessible names and roles the UI gives its controls (and a few test ids).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { testOutput } from '../../support/env';

export const SCREENSHOTS = path.join(testOutput, 'screenshots');

export function hostEntry(page: Page, name: string): Locator {
  return page.locator(`[data-host-name="${name}"]`);
}

export async function waitConnected(page: Page, name: string, timeout = 60_000): Promise<void> {
  await hostEntry(page, name).and(page.locator('[data-state="connected"]')).waitFor({ timeout });
}

export async function addLocalHost(page: Page, name: string, socketPath: string): Promise<void> {
  await page.getByTestId('add-host').click();
  const form = page.getByTestId('host-form');
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('Connection').selectOption('local');
  await form.getByLabel('Socket path').fill(socketPath);
  await page.getByRole('button', { name: 'Save and connect' }).click();
  await waitConnected(page, name);
}

export interface SshHostInput {
  name: string;
  host: string;
  port: number;
  username: string;
  keyPath: string;
  knownHosts: string;
  remoteSocket?: string;
}

export async function addSshHost(page: Page, h: SshHostInput): Promise<void> {
  await page.getByTestId('add-host').click();
  const form = page.getByTestId('host-form');
  await form.getByLabel('Name', { exact: true }).fill(h.name);
  await form.getByLabel('Connection').selectOption('ssh');
  await form.getByLabel('Host', { exact: true }).fill(h.host);
  await form.getByLabel('Port', { exact: true }).fill(String(h.port));
  await form.getByLabel('User', { exact: true }).fill(h.username);
  await form.getByLabel('Authentication').selectOption('key');
  await form.getByLabel('Key file').fill(h.keyPath);
  await form.getByLabel('known_hosts file').fill(h.knownHosts);
  if (h.remoteSocket) await form.getByLabel('Remote engine socket').fill(h.remoteSocket);
  await page.getByRole('button', { name: 'Save and connect' }).click();
  // A new host key is asked about once (trust on first use).
  const trust = page.getByRole('button', { name: 'Trust and connect' });
  await trust.click({ timeout: 60_000 });
  await waitConnected(page, h.name, 120_000);
}

export async function goto(
  page: Page,
  section: 'containers' | 'images' | 'builds' | 'volumes' | 'networks',
): Promise<void> {
  await page.getByTestId(`nav-${section}`).click();
  await page.getByRole('heading', { level: 1, name: section[0]!.toUpperCase() + section.slice(1) }).waitFor();
}

export function containerRow(page: Page, name: string): Locator {
  return page.getByTestId(`container-row-${name}`);
}

export async function confirm(page: Page): Promise<void> {
  await page.getByTestId('confirm-ok').click();
}

export async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.getByTestId('theme').selectOption(theme);
  await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
}

export async function screenshot(page: Page, name: string): Promise<string[]> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const files: string[] = [];
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    await page.waitForTimeout(150);
    const file = path.join(SCREENSHOTS, `${name}-${theme}.png`);
    await page.screenshot({ path: file });
    files.push(file);
  }
  await setTheme(page, 'light');
  return files;
}

/** Counts what the page sends to the service over the WebSocket (invokes, stream opens …). */
export function countSentFrames(page: Page): { count(): number; channels(): string[] } {
  const sent: string[] = [];
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => {
      try {
        const m = JSON.parse(String(f.payload)) as { channel?: string };
        sent.push(m.channel ?? '?');
      } catch {
        sent.push('?');
      }
    });
  });
  return { count: () => sent.length, channels: () => [...sent] };
}
