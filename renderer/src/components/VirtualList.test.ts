import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { h } from 'vue';
import { mount } from '@vue/test-utils';
import VirtualList from './VirtualList.vue';

const VIEWPORT = 360;
const ROW = 36;

describe('VirtualList', () => {
  let restore: () => void;
  beforeEach(() => {
    const d = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
    Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => VIEWPORT });
    restore = () => (d ? Object.defineProperty(HTMLElement.prototype, 'clientHeight', d) : undefined);
  });
  afterEach(() => restore());

  const items = Array.from({ length: 1000 }, (_, i) => ({ id: `c${i}`, name: `row ${i}` }));
  const mountList = () =>
    mount(VirtualList, {
      props: { items, rowHeight: ROW, overscan: 4, keyOf: (it: unknown) => (it as { id: string }).id },
      slots: {
        default: (p: { item: unknown; index: number }) =>
          h('div', { class: 'r', 'data-i': p.index }, (p.item as { name: string }).name),
      },
      attachTo: document.body,
    });

  it('renders only the visible rows (plus overscan) of 1,000', async () => {
    const w = mountList();
    await w.vm.$nextTick();
    const rows = w.findAll('.r');
    expect(rows.length).toBe(VIEWPORT / ROW + 4); // 10 visible + 4 below (none above at the top)
    expect(rows[0]!.text()).toBe('row 0');
    // The spacer keeps the full scroll height.
    expect((w.find('.vl-spacer').element as HTMLElement).style.height).toBe(`${1000 * ROW}px`);
    w.unmount();
  });

  it('moves the window when scrolled and reports the visible range', async () => {
    const w = mountList();
    await w.vm.$nextTick();
    const vp = w.find('.vl-viewport').element as HTMLElement;
    vp.scrollTop = 500 * ROW;
    vp.dispatchEvent(new Event('scroll'));
    await new Promise((r) => requestAnimationFrame(() => r(undefined)));
    await w.vm.$nextTick();
    const idx = w.findAll('.r').map((r) => Number(r.attributes('data-i')));
    expect(idx[0]).toBe(496);
    expect(idx.at(-1)).toBe(513);
    expect(idx.length).toBeLessThan(20);
    expect(w.emitted('range')?.at(-1)).toEqual([500, 510]);
    w.unmount();
  });
});
