/** `text` cut to at most `max` characters, with an ellipsis: chat platforms refuse or drop longer texts. */
export const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
