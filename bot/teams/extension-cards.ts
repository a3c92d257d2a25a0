/**
 * Extending access in Teams: with the news that their access (or an extension of it) was
 * approved, the requester gets a card with "Extend 30 min" (the session's reason carried over)
 * and "Extend…", which shows a length and a reason to fill in. Both are Action.Execute, answered
 * to the clicker alone, and run requestExtension as them (shared/extension-requests.ts).
 */
import type { ChatCaller } from '../shared/run-operation.js';
import { parseDurationMinutes } from '../shared/command-words.js';
import { extensionOutcome, offerLine, requestExtension, requestQuickExtension, type ExtensionOffer } from '../shared/extension-requests.js';
import { CARD_VERSION, localTime, type Card } from './cards.js';
import type { TeamsContext } from './teams-bot.js';

/** What an Extend action sends back: a quick one names its minutes; "Extend…" brings the typed inputs. */
export interface ExtendSubmit {
  readonly vigil: 'extend';
  readonly accessSessionId: string;
  readonly minutes?: number | string;
  readonly reason?: string;
}

export const isExtendSubmit = (value: unknown): value is ExtendSubmit =>
  typeof value === 'object' && value !== null && (value as { vigil?: unknown }).vigil === 'extend';

/** An answer's time in words (an invoke's message is plain text: no DATE() there). */
const inUtc = (iso: string) =>
  `${iso
    .replace(/\.\d+Z$/, 'Z')
    .replace('T', ' ')
    .replace('Z', '')} UTC`;

export function extensionOfferCard(offer: ExtensionOffer): Card {
  const extend = (data: Omit<ExtendSubmit, 'vigil'>) => ({ vigil: 'extend', ...data });
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    // Times in a TextBlock: Teams shows DATE()/TIME() in the reader's zone.
    body: [{ type: 'TextBlock', wrap: true, text: offerLine(offer, { words: (words) => words, at: localTime }) }],
    actions: [
      {
        type: 'Action.Execute',
        title: `Extend ${offer.quickMinutes} min`,
        verb: 'extend',
        style: 'positive',
        data: extend({ accessSessionId: offer.accessSessionId, minutes: offer.quickMinutes }),
      },
      {
        type: 'Action.ShowCard',
        title: 'Extend…',
        card: {
          type: 'AdaptiveCard',
          body: [
            { type: 'Input.Text', id: 'minutes', label: 'How much longer (45, 90m, 2h)', value: String(offer.quickMinutes), maxLength: 8 },
            { type: 'Input.Text', id: 'reason', label: 'Reason', isMultiline: true, maxLength: 2000, isRequired: true, errorMessage: 'Say why' },
          ],
          actions: [{ type: 'Action.Execute', title: 'Extend', verb: 'extend', data: extend({ accessSessionId: offer.accessSessionId }) }],
        },
      },
    ],
  };
}

/** Runs the extension a card asked for, as the clicker; the one line to answer them with. */
export async function extendFromTeams(ctx: TeamsContext, caller: ChatCaller, submit: ExtendSubmit): Promise<string> {
  if (typeof submit.accessSessionId !== 'string') return 'That card is out of date: ask again.';
  let result;
  if (typeof submit.reason === 'string') {
    const durationMinutes = parseDurationMinutes(String(submit.minutes ?? ''));
    if (!durationMinutes) return `Not extended: the length is minutes, or a number with m, h or d such as 90m or 2h (not “${String(submit.minutes ?? '')}”).`;
    result = await requestExtension(ctx, caller, { accessSessionId: submit.accessSessionId, durationMinutes, reason: submit.reason });
  } else {
    if (!Number.isInteger(submit.minutes)) return 'That card is out of date: ask again.';
    result = await requestQuickExtension(ctx, caller, { accessSessionId: submit.accessSessionId, minutes: submit.minutes as number });
  }
  if (result.error) return `Not extended: ${result.error.message}`;
  return extensionOutcome(result.data, { words: (words) => words, at: inUtc }, 'You will hear back here.');
}
