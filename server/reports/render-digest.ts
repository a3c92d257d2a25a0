/**
 * A digest's facts as the channels show them: lines of text (the email's text part, and the
 * message chat bots post), simple HTML for the email, Slack blocks and Teams MessageCard sections.
 * Every renderer reads the same lines, so each channel says the same things; ids are shown so a
 * reader can look each record up (and prove it) in Vigil.
 */
import type { RenderedMessage } from '../channels/send-to-channel.js';
import type { DigestContent } from './digest-content.js';

interface Section {
  readonly title: string;
  readonly lines: readonly string[];
}

const more = (total: number, shown: number) => (total > shown ? [`… and ${total - shown} more`] : []);
const who = (email: string | null, id: string | null) => email ?? id ?? 'someone';

function sectionsOf(content: DigestContent): Section[] {
  const sections: Section[] = [];
  const { privilegedGrants, failedSignIns, unusualApprovals, watchedCommands } = content;
  if (privilegedGrants) {
    sections.push({
      title: `New privileged grants: ${privilegedGrants.total}`,
      lines: [
        ...privilegedGrants.items.map(
          (grant) =>
            `${grant.at} ${grant.group ? `group ${grant.group}` : who(grant.userEmail, grant.userId)} given ${grant.kind === 'role_assigned' ? 'role ' : ''}${grant.granted.join(', ')} by ${who(grant.byEmail, grant.byActorId)} (audit entry ${grant.auditEntryId})`,
        ),
        ...more(privilegedGrants.total, privilegedGrants.items.length),
      ],
    });
  }
  if (failedSignIns) {
    sections.push({
      title: `Failed sign-ins: ${failedSignIns.attempts} attempts for ${failedSignIns.total} accounts or addresses`,
      lines: [
        ...failedSignIns.items.map(
          (item) =>
            `${item.subject}: ${item.count} failed, last ${item.lastAt}${item.addresses.length ? ` from ${item.addresses.join(', ')}` : ''} (activity ${item.activityIds.join(', ')})`,
        ),
        ...more(failedSignIns.total, failedSignIns.items.length),
      ],
    });
  }
  if (unusualApprovals) {
    const { outsideHours, approvesEverything } = unusualApprovals;
    sections.push({
      title: `Approved outside working hours: ${outsideHours.total}`,
      lines: [
        ...outsideHours.items.map(
          (item) =>
            `${item.approvedAt} ${item.kind} request of ${who(item.requesterEmail, item.requesterId)} ${item.how === 'auto' ? 'approved automatically' : item.how === 'self' ? 'approved by its requester' : `approved by ${who(item.approverEmail, item.approverId)}`}${item.command ? `: ${item.command}` : ''} (approval ${item.approvalId})`,
        ),
        ...more(outsideHours.total, outsideHours.items.length),
      ],
    });
    sections.push({
      title: `Approvers who approved everything (at least ${approvesEverything.threshold} decisions): ${approvesEverything.total}`,
      lines: [
        ...approvesEverything.items.map(
          (item) =>
            `${who(item.approverEmail, item.approverId)} approved all ${item.decisions} requests they decided (decisions ${item.decisionIds.join(', ')})`,
        ),
        ...more(approvesEverything.total, approvesEverything.items.length),
      ],
    });
  }
  if (watchedCommands) {
    sections.push({
      title: `Commands matching watch patterns: ${watchedCommands.total}`,
      lines: [
        ...watchedCommands.items.map(
          (item) =>
            `${item.submittedAt} ${who(item.operatorEmail, item.operatorUserId)} on ${item.serverName ?? item.serverId}: ${item.line} [${item.pattern}] (command ${item.commandId})`,
        ),
        ...more(watchedCommands.total, watchedCommands.items.length),
      ],
    });
  }
  return sections;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
/** Slack mrkdwn treats these three as markup. */
const escapeSlack = (text: string) => text.replace(/[&<>]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[char]!);
/** Slack refuses a section text over 3000 characters. */
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export interface RenderedDigest {
  readonly subject: string;
  /** One paragraph: what the period held (chat bots post it as the message). */
  readonly summary: string;
  readonly rendered: RenderedMessage;
}

export function renderDigest(content: DigestContent): RenderedDigest {
  const subject = `Vigil review digest: ${content.schedule.name}, ${content.period.start.slice(0, 10)} to ${content.period.end.slice(0, 10)}`;
  const period = `Period ${content.period.start} to ${content.period.end} (schedule time zone ${content.schedule.timezone}).`;
  const sections = sectionsOf(content);
  const quiet = 'A quiet period: nothing to review in any section.';
  const summary = content.isQuiet ? `${period} ${quiet}` : `${period} ${sections.map((section) => section.title).join('; ')}.`;
  const text = [
    period,
    ...(content.isQuiet ? [quiet] : []),
    ...sections.flatMap((section) => ['', section.title, ...section.lines.map((line) => `- ${line}`)]),
  ].join('\n');
  const html = [
    `<h2>${escapeHtml(subject)}</h2>`,
    `<p>${escapeHtml(period)}</p>`,
    ...(content.isQuiet ? [`<p><b>${escapeHtml(quiet)}</b></p>`] : []),
    ...sections.map(
      (section) =>
        `<h3>${escapeHtml(section.title)}</h3>${section.lines.length ? `<ul>${section.lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>` : ''}`,
    ),
  ].join('\n');
  const slackBlocks = [
    { type: 'header', text: { type: 'plain_text', text: clip(subject, 150) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(period) }] },
    ...(content.isQuiet ? [{ type: 'section', text: { type: 'mrkdwn', text: escapeSlack(quiet) } }] : []),
    ...sections.map((section) => ({
      type: 'section',
      text: { type: 'mrkdwn', text: clip([`*${escapeSlack(section.title)}*`, ...section.lines.map((line) => `• ${escapeSlack(line)}`)].join('\n'), 3000) },
    })),
  ];
  const teamsSections = [
    { text: escapeHtml(period) },
    ...(content.isQuiet ? [{ text: escapeHtml(quiet) }] : []),
    ...sections.map((section) => ({
      activityTitle: escapeHtml(section.title),
      text: section.lines.map((line) => `- ${escapeHtml(line)}`).join('\n\n'),
    })),
  ];
  return { subject, summary, rendered: { text, html, slackBlocks, teamsSections } };
}
