/**
 * vue-i18n with the English catalogue. Every user-visible string goes through `t()`; another
 * language is one more catalogue under locales/ with the same keys (MessageSchema checks them).
 */
import { createI18n } from 'vue-i18n';
import en from './locales/en';

export type MessageSchema = typeof en;

export const SUPPORTED_LOCALES = ['en'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];

export const i18n = createI18n<[MessageSchema], Locale, false>({
  legacy: false,
  locale: 'en',
  fallbackLocale: 'en',
  messages: { en },
  missingWarn: false,
  fallbackWarn: false,
});

/** For stores and modules outside components. */
export const t = (key: string, named?: Record<string, unknown>): string =>
  named ? i18n.global.t(key, named) : i18n.global.t(key);
