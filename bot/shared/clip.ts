import { DEFAULT_LOCALE, say, type Locale } from './messages/catalogue.js';

/** `text` cut to at most `max` characters, with an ellipsis: chat platforms refuse or drop longer texts. */
export const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * As many of `items` as fit in `max` characters, then how many were left out ("…, and 14 more"),
 * so a long list (a request for 40 servers) never ends in a bare ellipsis.
 */
export function listWithin(items: readonly string[], max: number, separator = ', ', locale: Locale = DEFAULT_LOCALE): string {
  const more = (count: number) => (count > 0 ? `${separator}${say(locale, 'list.andMore', { count })}` : '');
  let text = '';
  for (const [index, item] of items.entries()) {
    const left = items.length - index - 1;
    const longer = `${text}${index ? separator : ''}${item}`;
    if (longer.length + more(left).length <= max) {
      text = longer;
      continue;
    }
    return index === 0 ? `${clip(item, Math.max(1, max - more(left).length))}${more(left)}` : `${text}${more(items.length - index)}`;
  }
  return text;
}
