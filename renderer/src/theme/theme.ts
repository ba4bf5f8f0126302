/**
 * Light, dark or system theme: the choice is kept in localStorage and applied as
 * `data-theme` on <html>; "system" follows prefers-color-scheme while the app runs.
 */
import { computed, ref } from 'vue';

export type ThemeMode = 'light' | 'dark' | 'system';
const KEY = 'berth.theme';

const mode = ref<ThemeMode>('system');
const systemDark = ref(false);
let media: MediaQueryList | undefined;

function stored(): ThemeMode {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' || v === 'system' ? v : 'system';
  } catch {
    return 'system';
  }
}

const resolved = computed<'light' | 'dark'>(() =>
  mode.value === 'system' ? (systemDark.value ? 'dark' : 'light') : mode.value,
);

function apply(): void {
  document.documentElement.dataset.theme = resolved.value;
  document.documentElement.style.colorScheme = resolved.value;
}

const onMedia = (e: MediaQueryListEvent): void => {
  systemDark.value = e.matches;
  apply();
};

/** Reads the saved choice and starts following the system setting. Returns the clean-up. */
export function installTheme(): () => void {
  mode.value = stored();
  media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
  systemDark.value = media?.matches ?? false;
  media?.addEventListener('change', onMedia);
  apply();
  return () => media?.removeEventListener('change', onMedia);
}

export function setTheme(m: ThemeMode): void {
  mode.value = m;
  try {
    localStorage.setItem(KEY, m);
  } catch {
    /* storage may be disabled: the choice lasts for this session */
  }
  apply();
}

export function cycleTheme(): void {
  setTheme(mode.value === 'light' ? 'dark' : mode.value === 'dark' ? 'system' : 'light');
}

export function useTheme() {
  return { mode, resolved, setTheme, cycleTheme };
}
