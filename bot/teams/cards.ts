/**
 * Adaptive Cards (version 1.5, which Teams renders) for everything the Teams bot says: lists with
 * a "More" action, requests with their facts, inputs and Approve / Deny, alerts with Acknowledge.
 * Card actions are Action.Execute (Universal Actions): Teams sends their verb and data, with the
 * inputs, in an adaptiveCard/action invoke, and shows what the bot answers to the clicker alone.
 * An approval card also asks to be refreshed when shown, so nobody acts on a stale one.
 */
import type { Severity } from '../../server/chat/bot-services.js';
import type { ListRow } from '../shared/audit-lists.js';
import { clip, listWithin } from '../shared/clip.js';
import { DEFAULT_LOCALE, say, type Locale } from '../shared/messages/catalogue.js';
import type { AlertView } from '../shared/alert-facts.js';
import { accessSudoWords, chatDecisionBlocked, describeRequest, outcomeLine, requestTitle, type ApprovalFacts } from '../shared/approval-facts.js';

export const CARD_VERSION = '1.5';
export type Card = Record<string, unknown>;
type Element = Record<string, unknown>;

/** What a card's action sends back (`vigil` says which): an Action.Execute's data, or an older card's Action.Submit value. */
export type CardSubmit =
  | { vigil: 'more'; state: string }
  | { vigil: 'approve' | 'deny'; approvalId: string; justification?: string; totpCode?: string }
  | { vigil: 'ack' | 'resolve'; alertId: string }
  | { vigil: 'refresh'; approvalId: string }
  /** Opens the decision dialog (a task module: `msteams.type` task/fetch); a client without dialogs sends it as a message. */
  | { vigil: 'dialog'; approvalId: string };

const card = (body: Element[], actions: Element[] = [], extra: Element = {}): Card => ({
  type: 'AdaptiveCard',
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
  version: CARD_VERSION,
  ...extra,
  body,
  ...(actions.length ? { actions } : {}),
});

/** A button: its verb is the data's `vigil`. */
const execute = (title: string, data: CardSubmit, extra: Element = {}): Element => ({ type: 'Action.Execute', title, verb: data.vigil, data, ...extra });

/** Every text is clipped: a Teams message carries about 28 KB, and user text reaches the API's limits. */
const MAX_TEXT = 2000;
const text = (value: string, extra: Element = {}): Element => ({ type: 'TextBlock', text: clip(value, MAX_TEXT), wrap: true, ...extra });
const fact = (title: string, value: string) => ({ title, value: clip(value, MAX_TEXT) });
/**
 * Recorded text (reasons, justifications, command lines, alert text) shown as typed: a TextRun is
 * not read as markdown, so `**bold**` or `[a link](https://…)` in it renders as those characters.
 */
const literal = (value: string, style: Element = {}, extra: Element = {}): Element => ({
  type: 'RichTextBlock',
  inlines: [{ type: 'TextRun', text: clip(value, MAX_TEXT), ...style }],
  ...extra,
});

/** A time Teams shows in the reader's time zone (DATE()/TIME() take whole seconds, RFC 3339). */
export const localTime = (iso: string) => {
  const seconds = iso.replace(/\.\d+Z$/, 'Z');
  return `{{DATE(${seconds}, SHORT)}} {{TIME(${seconds})}}`;
};

export function lineCard(message: string): Card {
  return card([text(message)]);
}

/** A line holding someone else's words (a requester's command, in an approver's confirmation): as typed, never markdown. */
export function plainLineCard(message: string): Card {
  return card([literal(message)]);
}

export function listCard(heading: string, rows: readonly ListRow[], more: string | null, locale: Locale = DEFAULT_LOCALE): Card {
  const body: Element[] = [text(heading, { size: 'Medium', weight: 'Bolder' })];
  if (rows.length === 0) body.push(text(say(locale, 'list.nothingMatches'), { isSubtle: true }));
  for (const row of rows) {
    // Ten rows to a page: each kept short enough that the page fits one Teams message.
    const words = row.facts.filter((fact) => typeof fact === 'string');
    const times = row.facts.filter((fact) => typeof fact !== 'string');
    const items: Element[] = [literal(clip(row.title, 300), { weight: 'Bolder' })];
    if (words.length) items.push(literal(clip(words.join('  ·  '), 1000), { isSubtle: true, size: 'Small' }, { spacing: 'None' }));
    // Times in a TextBlock, the only place Teams renders DATE()/TIME() in the reader's zone; recorded text stays in TextRuns.
    if (times.length)
      items.push(
        text(times.map((time) => `${time.prefix ? `${time.prefix} ` : ''}${localTime(time.at)}`).join('  ·  '), {
          isSubtle: true,
          size: 'Small',
          spacing: 'None',
        }),
      );
    if (row.link) items.push({ type: 'ActionSet', actions: [{ type: 'Action.OpenUrl', title: row.link.label, url: row.link.url }] });
    body.push({ type: 'Container', separator: true, items });
  }
  return card(body, more ? [execute(say(locale, 'list.more'), { vigil: 'more', state: more })] : []);
}

/** Adaptive Cards' markdown has no inline code: `x` reads as “x”. */
export const forTeams = (text: string) => text.replace(/`([^`]*)`/g, '“$1”');

const STATUS_STYLE: Record<ApprovalFacts['status'], string> = {
  PENDING: 'accent',
  APPROVED: 'good',
  DENIED: 'attention',
  CANCELLED: 'default',
  EXPIRED: 'warning',
};

/** The request's facts, as the card and the decision dialog show them. */
function approvalFactSet(facts: ApprovalFacts, locale: Locale): Element {
  const servers = listWithin(
    facts.servers.map(
      (server) => `${server.name}${server.labels.length ? ` (${server.labels.map((label) => `${label.key}=${label.value}`).join(', ')})` : ''}`,
    ),
    MAX_TEXT,
  );
  const counts = { received: facts.approvalsReceived, required: facts.requiredApprovals };
  const minutes = String(facts.durationMinutes);
  const factSet = [
    ...(facts.kind === 'ACCESS' && facts.sudoScope
      ? [fact(say(locale, 'teams.sudo'), forTeams(say(locale, 'teams.sudoOnEveryServer', { sudo: accessSudoWords(facts.sudoScope, locale) })))]
      : []),
    fact(say(locale, 'approval.requester'), facts.requester.email),
    fact(say(locale, 'approval.servers'), servers),
    facts.kind === 'SUDO'
      ? fact(say(locale, 'approval.command'), `${facts.command ?? ''}${facts.isPattern ? ` ${say(locale, 'approval.pattern')}` : ''}`)
      : facts.kind === 'EXTENSION'
        ? fact(say(locale, 'approval.extension'), say(locale, 'approval.moreMinutes', { minutes }))
        : fact(say(locale, 'approval.duration'), say(locale, 'approval.minutes', { minutes })),
    fact(
      say(locale, 'approval.approvals'),
      facts.status === 'PENDING'
        ? say(locale, 'approval.stillNeeded', { ...counts, needed: facts.approvalsStillNeeded })
        : say(locale, 'approval.received', counts),
    ),
    fact(say(locale, 'approval.policy'), facts.policyName ?? say(locale, 'approval.defaultRules')),
  ];
  return { type: 'FactSet', facts: factSet };
}

/** The inputs a decision takes: a justification, and the authenticator code under a STEP_UP policy. */
function decisionInputs(facts: ApprovalFacts, locale: Locale, typed: { justification?: string } = {}): Element[] {
  return [
    {
      type: 'Input.Text',
      id: 'justification',
      isMultiline: true,
      maxLength: 2000,
      label: say(locale, facts.isApprovalJustificationRequired ? 'teams.justificationToDecide' : 'teams.justificationToDeny'),
      ...(typed.justification ? { value: clip(typed.justification, 2000) } : {}),
    },
    ...(facts.chatApproval === 'STEP_UP' ? [{ type: 'Input.Text', id: 'totpCode', maxLength: 7, style: 'tel', label: say(locale, 'teams.codeLabel') }] : []),
  ];
}

/** A request's card: in English where everyone reads it (a channel), in the reader's language where only they do. */
export function approvalCard(facts: ApprovalFacts, locale: Locale = DEFAULT_LOCALE): Card {
  const body: Element[] = [
    {
      type: 'Container',
      style: STATUS_STYLE[facts.status],
      items: [
        text(say(locale, 'teams.cardTitle', { title: requestTitle(facts, locale), status: facts.status.toLowerCase() }), { size: 'Medium', weight: 'Bolder' }),
        ...(facts.kind !== 'SUDO' && facts.sudoScope
          ? [
              text(
                forTeams(
                  say(locale, facts.kind === 'EXTENSION' ? 'teams.extendsSudo' : 'teams.grantsSudo', {
                    sudo: accessSudoWords(facts.sudoScope, locale),
                    servers: listWithin(
                      facts.servers.map((server) => server.name),
                      2000,
                    ),
                  }),
                ),
                { weight: 'Bolder', color: 'Attention' },
              ),
            ]
          : []),
      ],
    },
    approvalFactSet(facts, locale),
    // Outside the FactSet: Teams renders DATE()/TIME() (the reader's time zone) in TextBlocks.
    text(`**${say(locale, 'approval.decideBy')}** ${localTime(facts.decideBy)}`, { spacing: 'Small' }),
    ...(facts.kind === 'EXTENSION' && facts.sessionExpiresAt
      ? [text(`**${say(locale, 'teams.sessionEnds')}** ${localTime(facts.sessionExpiresAt)}`, { spacing: 'Small' })]
      : []),
    text(say(locale, 'approval.reason'), { weight: 'Bolder', spacing: 'Small' }),
    literal(facts.reason, {}, { spacing: 'None' }),
  ];
  const actions: Element[] = [];
  const blocked = chatDecisionBlocked(facts);
  if (facts.status === 'PENDING' && !blocked) {
    // The inputs on the card serve every client; Teams also opens them in a dialog (a task module), where an error keeps the form open.
    body.push(...decisionInputs(facts, locale));
    actions.push(
      execute(say(locale, 'approval.approve'), { vigil: 'approve', approvalId: facts.id }, { style: 'positive' }),
      execute(say(locale, 'approval.deny'), { vigil: 'deny', approvalId: facts.id }, { style: 'destructive' }),
      {
        type: 'Action.Submit',
        title: say(locale, 'teams.decideInDialog'),
        data: { msteams: { type: 'task/fetch' }, vigil: 'dialog', approvalId: facts.id },
      },
    );
  } else if (blocked) {
    body.push(text(`${blocked} ${say(locale, facts.url ? 'teams.decideItInVigil' : 'outcome.decideElsewhere')}`, { color: 'Warning' }));
  }
  // Only where the deployment says requests are decided: never a link that leads nowhere.
  if (facts.url) actions.push({ type: 'Action.OpenUrl', title: say(locale, 'approval.openInVigil'), url: facts.url });
  // People's words (justifications, cancel reasons) as typed, in a TextRun; an expiry's time in the reader's zone, in a TextBlock.
  if (facts.status === 'EXPIRED') body.push(text(outcomeLine(facts, { words: (words) => words, at: localTime }, locale), { isSubtle: true, size: 'Small' }));
  else body.push(literal(outcomeLine(facts, undefined, locale), { isSubtle: true, size: 'Small' }));
  // Shown again later (scrolled to, reopened), the card asks Vigil for its current state first.
  return card(body, actions, { refresh: { action: { type: 'Action.Execute', verb: 'refresh', data: { vigil: 'refresh', approvalId: facts.id } } } });
}

/**
 * The decision dialog (a task module's card): the request, what went wrong with the last try (the
 * justification typed is kept; a code is single-use), the inputs, and Approve / Deny, which Teams
 * sends back in a task/submit invoke with the inputs.
 */
export function decisionDialogCard(facts: ApprovalFacts, problem?: string, typed: { justification?: string } = {}, locale: Locale = DEFAULT_LOCALE): Card {
  const body: Element[] = [
    text(say(locale, 'teams.dialogTitle', { title: requestTitle(facts, locale), requester: facts.requester.email }), { size: 'Medium', weight: 'Bolder' }),
    approvalFactSet(facts, locale),
    text(`**${say(locale, 'approval.decideBy')}** ${localTime(facts.decideBy)}`, { spacing: 'Small' }),
    text(say(locale, 'approval.reason'), { weight: 'Bolder', spacing: 'Small' }),
    literal(facts.reason, {}, { spacing: 'None' }),
    ...(problem ? [literal(problem, { color: 'Attention', weight: 'Bolder' })] : []),
    ...decisionInputs(facts, locale, typed),
  ];
  const submit = (title: string, vigil: 'approve' | 'deny', style: string): Element => ({
    type: 'Action.Submit',
    title,
    style,
    data: { vigil, approvalId: facts.id } satisfies CardSubmit,
  });
  return card(body, [submit(say(locale, 'approval.approve'), 'approve', 'positive'), submit(say(locale, 'approval.deny'), 'deny', 'destructive')]);
}

export const approvalSummary = (facts: ApprovalFacts, locale: Locale = DEFAULT_LOCALE) =>
  clip(
    say(locale, 'approval.summary', {
      title: requestTitle(facts, locale),
      requester: facts.requester.email,
      request: forTeams(describeRequest(facts, locale)),
      status: facts.status.toLowerCase(),
    }),
    500,
  );

/** The seed's severity scale as Adaptive Card styles (Teams has no free colours). */
const SEVERITY_STYLE: Record<Severity, { style: string; color: string }> = {
  critical: { style: 'attention', color: 'Attention' },
  high: { style: 'attention', color: 'Attention' },
  medium: { style: 'warning', color: 'Warning' },
  low: { style: 'good', color: 'Good' },
  info: { style: 'accent', color: 'Accent' },
};

/** An alert's card: Acknowledge while it is fired, Resolve until it is resolved, and who moved it on. */
export function alertCard(alert: AlertView, locale: Locale = DEFAULT_LOCALE): Card {
  const severity = SEVERITY_STYLE[alert.severity];
  const body: Element[] = [
    { type: 'Container', style: severity.style, items: [literal(alert.subject, { weight: 'Bolder', size: 'Medium', color: severity.color })] },
    literal(alert.message),
    literal(`${say(locale, 'alert.severity', { severity: alert.severity })} · ${alert.source}${alert.outcome ? ` · ${alert.outcome}` : ''}`, {
      isSubtle: true,
      size: 'Small',
    }),
  ];
  const actions = !alert.alertId
    ? []
    : [
        ...(alert.state === 'fired' ? [execute(say(locale, 'alert.acknowledge'), { vigil: 'ack', alertId: alert.alertId })] : []),
        ...(alert.state !== 'resolved' ? [execute(say(locale, 'alert.resolve'), { vigil: 'resolve', alertId: alert.alertId })] : []),
      ];
  return card(body, actions);
}
