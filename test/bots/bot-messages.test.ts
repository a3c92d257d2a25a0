/**
 * The bots' message catalogue: every language has exactly English's keys, each with exactly its
 * placeholders (a missing or extra translation fails the build), plurals choose by count in each
 * language, and a chat platform's locale tag picks a language or falls back to English.
 */
import { describe, expect, it } from 'vitest';
import { CATALOGUE, formatMessage, placeholdersOf, resolveLocale, say, type Locale } from '../../bot/shared/messages/catalogue.js';
import { en } from '../../bot/shared/messages/en.js';

const languages = Object.keys(CATALOGUE) as Locale[];

describe('every language of the catalogue', () => {
  it('holds English and at least one other language', () => {
    expect(languages).toContain('en');
    expect(languages.length).toBeGreaterThanOrEqual(2);
  });

  for (const locale of languages) {
    it(`${locale} has exactly English's keys`, () => {
      expect(Object.keys(CATALOGUE[locale]).sort()).toEqual(Object.keys(en).sort());
    });

    it(`${locale} has exactly English's placeholders in every message, each plural with an "other" branch`, () => {
      const mismatched = Object.entries(en).filter(([key, english]) => {
        const translated = (CATALOGUE[locale] as Record<string, string>)[key] ?? '';
        return JSON.stringify(placeholdersOf(translated)) !== JSON.stringify(placeholdersOf(english));
      });
      expect(mismatched.map(([key]) => key)).toEqual([]);
    });

    it(`${locale}'s messages all format with their placeholders filled, leaving no brace`, () => {
      for (const [key, template] of Object.entries(CATALOGUE[locale])) {
        const params = Object.fromEntries(placeholdersOf(template).map((name) => [name.replace(/:plural$/, ''), 2]));
        const text = formatMessage(template, params, locale);
        expect(text, key).not.toMatch(/[{}]/);
      }
    });
  }
});

describe('formatting', () => {
  it('fills named placeholders and chooses a plural by count, in each language', () => {
    expect(say('en', 'outcome.waiting', { count: 1 })).toBe('Waiting for 1 approval');
    expect(say('en', 'outcome.waiting', { count: 3 })).toBe('Waiting for 3 approvals');
    expect(say('de', 'outcome.waiting', { count: 1 })).toBe('Wartet auf 1 Genehmigung');
    expect(say('de', 'outcome.waiting', { count: 3 })).toBe('Wartet auf 3 Genehmigungen');
    expect(say('en', 'list.noServer', { server: 'web-09' })).toBe('No server named `web-09`');
    expect(formatMessage('{n, plural, =0 {none} one {# item} other {# items}}', { n: 0 }, 'en')).toBe('none');
  });

  it('refuses a plural without an "other" branch, which a count it does not name would need', () => {
    expect(() => placeholdersOf('{count, plural, one {# approval}}')).toThrow(/no "other" branch/);
  });

  it('names each message’s placeholders in its type, so a missing or unknown one does not compile', () => {
    // @ts-expect-error {server} has no value
    expect(() => say('en', 'list.noServer', {})).toThrow(/\{server\} has no value/);
    // @ts-expect-error help takes no placeholders
    expect(say('en', 'help.heading', { server: 'x' })).toBe('Ask about the record:');
  });

  it('refuses a placeholder without a value rather than sending braces to a person', () => {
    expect(() => formatMessage('No server named `{server}`', {}, 'en')).toThrow(/\{server\} has no value/);
  });
});

describe('locale resolution', () => {
  it('takes the language of a platform tag, and English for a language the catalogue lacks', () => {
    expect(resolveLocale('de-DE')).toBe('de');
    expect(resolveLocale('de-AT')).toBe('de');
    expect(resolveLocale('de_CH')).toBe('de');
    expect(resolveLocale('DE')).toBe('de');
    expect(resolveLocale('en-GB')).toBe('en');
    expect(resolveLocale('fr-FR')).toBe('en');
    expect(resolveLocale('')).toBe('en');
    expect(resolveLocale(undefined)).toBe('en');
    expect(resolveLocale('constructor')).toBe('en');
  });
});
