/**
 * Issue 9 end to end, web mode, against a real berthd on this machine added as a local host
 * through the UI. Writes screenshots of every main view in light and dark to
 * test-output/screenshots/ (git-ignored).
 */
import { describeRoot } from '../support/env';
import { defineUiFlows } from './support/flows';
import { addLocalHost } from './support/ui';

describeRoot('UI end to end: local host (web mode, Debian chromium)', () => {
  defineUiFlows({
    shots: 'local',
    portHost: 'localhost',
    async addHost({ page, berthd }) {
      const name = 'Local berthd';
      await addLocalHost(page, name, berthd.socket);
      return name;
    },
  });
});
