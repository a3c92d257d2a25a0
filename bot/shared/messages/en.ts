/**
 * The bots' texts in English: the catalogue's reference (catalogue.ts). Keys are grouped by where
 * they are said; a key names what the text is for, not its words. Backticks and `*` are the chat
 * platforms' formatting, kept in every language.
 */
export const en = {
  // Typed commands (command-words.ts, audit-command.ts, request-commands.ts)
  'options.unknown': 'Unknown option --{name}. Options: {options}',
  'options.twice': '--{name} is given twice',
  'options.noValue': '--{name} needs a value',
  'help.heading': 'Ask about the record:',
  'help.teamsHeading': 'Ask me: audit <list> [filters], access …, sudo …',
  'help.body': [
    '`my-commands`, `my-sessions`, `my-transfers`, `my-sudo`: yours',
    '`commands`, `sessions`, `approvals`: yours, or everyone’s if your role allows; `activity`: admins',
    'Filters: `--server web-01` `--since 24h` (or 7d, 30m, 2026-11-01) `--status failed` `--user bob@example.com` (not with my-…)',
    '`link CODE`: link this chat account to your Vigil user with a one-time code from Vigil (a Vigil admin makes one for you)',
    '`bind CODE`: workspace admins: connect this workspace to a Vigil tenant with the code its admin got from bindChatWorkspace',
    'Requests: `/access web-01,db-01 2h --reason "…"` and `/sudo web-01 systemctl restart nginx --reason "…"`',
  ].join('\n'),
  'audit.linkUsage': 'Usage: `link CODE`, with the one-time code from Vigil (a Vigil admin makes one for you)',
  'audit.bindUsage': 'Usage: `bind CODE`, with the code your Vigil admin got from bindChatWorkspace',
  'audit.unknownSubcommand': 'Unknown subcommand `{subcommand}`. Try {subcommands} or `help`.',
  'audit.unexpectedWord': 'Unexpected `{word}`: filters are options such as `--server web-01`',
  'audit.badSince': '--since takes a duration such as 24h, 7d or 30m, or a date such as 2026-11-01 (not `{since}`)',
  'audit.statusNotApplicable': '--status does not apply to `{subcommand}`',
  'audit.badStatus': '--status for `{subcommand}` is one of {statuses} (not `{status}`)',
  'audit.userOnOwnList': '`{subcommand}` lists your own records: --user applies to commands, sessions, approvals and activity',
  'audit.serverOnActivity': '--server does not apply to `activity`',
  'request.accessUsage': 'Usage: `/access web-01,db-01 2h --reason "deploy the hotfix"` (add `--sudo` to ask for sudo too)',
  'request.sudoUsage': 'Usage: `/sudo web-01 systemctl restart nginx --reason "stuck worker"`',
  'request.withUsage': '{problem}. {usage}',
  'request.unexpectedWord': 'Unexpected `{word}`. {usage}',
  'request.badDuration': 'The duration is minutes, or a number with m, h or d such as 90m or 2h (not `{duration}`)',
  'request.reasonRequired': 'A reason is required. {usage}',

  // Lists asked with /audit (audit-answer.ts)
  'list.noServer': 'No server named `{server}`',
  'list.noUser': "No user `{user}` in this workspace's Vigil tenant",
  'list.onlyOwn': 'You can list only your own {subcommand}: --user with someone else needs the admin role.',
  'list.onlyOwnSessions': 'You can list only your own {subcommand}: --user with someone else needs the admin role or the session_recordings.view permission.',
  'list.forbidden': 'You may not list `{subcommand}`: {message}',

  // Answers to operations (run-operation.ts, chat-actions.ts)
  'operation.staleId': 'That button or card is out of date (it names nothing Vigil knows): ask again',
  'operation.internalError': 'Something went wrong in Vigil; the error was logged.',
  'request.approvedAtOnce': 'Approved at once: {what}.',
  'request.approvedByPolicy': 'Approved at once by the policy {policy}: {what}.',
  'request.waiting': 'Requested {what}: waiting for {count, plural, one {# approval} other {# approvals}}. {followUp}',
  'request.notRequested': 'Not requested: {message}',
  'decision.denied': 'You denied {what}.',
  'decision.approved': 'You approved {what}.',
  'decision.approvedSoFar': 'You approved {what}: {received} of {required} approvals so far.',
  'decision.what': '{requester}’s {request}',
  'decision.whatForMinutes': '{requester}’s {request}, for {minutes} minutes',

  // What a request is, and where it stands (approval-facts.ts)
  'request.anyCommandAsRoot': 'any command, as root',
  'request.titleExtension': 'Access extension',
  'request.titleExtensionSudo': 'Access extension with sudo',
  'request.titleSudo': 'Sudo request',
  'request.titleAccessSudo': 'Access request with sudo',
  'request.titleAccess': 'Access request',
  'request.sudo': 'sudo `{command}` on {servers}',
  'request.sudoPattern': 'sudo `{command}` (pattern) on {servers}',
  'request.extension': '{minutes} more minutes of access to {servers}',
  'request.extensionSudo': '{minutes} more minutes of access to {servers} with sudo ({sudo})',
  'request.access': 'access to {servers}',
  'request.accessSudo': 'access to {servers} with sudo ({sudo})',
  'outcome.approvedByPolicy': 'Approved by policy',
  'outcome.approvedBy': 'Approved by {who}',
  'outcome.deniedBy': 'Denied by {who}',
  'outcome.cancelledBy': 'Cancelled by {who}',
  'outcome.cancelledByWithReason': 'Cancelled by {who}: “{reason}”',
  'outcome.theRequester': 'the requester',
  'outcome.expired': 'Expired undecided at {at}',
  'outcome.soFar': '{received} of {required} approvals so far (last: {who})',
  'outcome.waiting': 'Waiting for {count, plural, one {# approval} other {# approvals}}',
  'outcome.decider': '{email} ({channel})',
  'outcome.deciderWithWords': '{email} ({channel}): “{justification}”',
  'outcome.decideElsewhere': 'An approver decides it in Vigil, outside chat.',

  // Both bots: who is asking, linking and binding
  'caller.linked': 'Linked: you are {email} in Vigil.',
  'caller.buttonOutOfDate': 'That button is out of date: ask again with /audit.',

  // Slack (slack-callers.ts, audit-command.ts, request-commands.ts)
  'slack.notConnected':
    'This Slack workspace is not connected to Vigil. An admin of your Vigil tenant asks for it with `bindChatWorkspace(provider: SLACK, externalId: "{teamId}")`, and an admin or owner of this workspace confirms with `/audit bind CODE`.',
  'slack.unmapped':
    'I do not know you in Vigil: your Slack email is not a Vigil user’s, or Slack has not verified it. Ask a Vigil admin for a link code for you (or make one yourself in Vigil), then send me `/audit link CODE`.',
  'slack.notWorkspaceAdmin': 'Only an admin or owner of this Slack workspace can connect it to Vigil: nothing was bound.',
  'slack.usersInfoFailed': 'Slack did not say who you are (users.info failed): nothing was bound. Try again.',
  'slack.bound':
    'This Slack workspace is now connected to Vigil. People here can use `/audit`, `/access` and `/sudo`, and requests needing approval are posted to the approver channel.',
  'slack.hearBackHere': 'You will hear back here.',
  'slack.hearBackInDm': 'You will hear back in a direct message from Vigil.',

  // Teams (teams-callers.ts, turns.ts)
  'teams.notConnected':
    'This Microsoft Teams tenant is not connected to Vigil. An admin of your Vigil tenant asks for it with bindChatWorkspace(provider: TEAMS, externalId: "{aadTenantId}"), and a member of this tenant confirms by sending me: audit bind CODE',
  'teams.theAadTenantId': 'the AAD tenant id',
  'teams.unmapped':
    'I do not know you in Vigil: your Teams email is not a Vigil user’s. Ask a Vigil admin for a link code for you (or make one yourself in Vigil), then send me: audit link CODE',
  'teams.notTenantMember': 'Only a member of this Microsoft Teams tenant (not a guest) can connect it to Vigil: nothing was bound.',
  'teams.memberLookupFailed': 'Teams did not say who you are (the member lookup failed): nothing was bound. Try again.',
  'teams.noTenant': 'This conversation names no Microsoft Teams tenant: nothing was bound.',
  'teams.bound':
    'This Microsoft Teams tenant is now connected to Vigil. People here can ask me (audit, access, sudo), and requests needing approval are posted to the approver channel.',
  'teams.hello': 'Hello, I am Vigil’s bot. {next}',
  'teams.helloChannel':
    'Hello, I am Vigil’s bot. Mention me here with audit, access or sudo; requests to approve come to the approver channel and to approvers in personal chat.',
  'teams.helloPerson':
    'Hello, I am Vigil’s bot. Requests you may approve come here with Approve and Deny, and I tell you what became of yours. Ask me: audit my-commands, access …, sudo …, or help.',
  'teams.helloNamed':
    'Hello {email}, I am Vigil’s bot. Requests you may approve come here with Approve and Deny, and I tell you what became of yours. Ask me: audit my-commands, access …, sudo …, or help.',
  'teams.cardOutOfDate': 'That card is out of date: ask again.',
  'teams.listCardOutOfDate': 'That card is out of date: ask again with audit.',
  'teams.requestGone': 'That request is gone.',
  'teams.notAcknowledged': 'Not acknowledged: {message}',
  'teams.notResolved': 'Not resolved: {message}',
  'teams.done': 'Done.',
  'teams.notDecided': 'Not decided: {message}. Nothing changed.',
  'teams.personalChatOnly': 'I answer that only in our personal chat, where nobody else reads it: open a chat with me and ask there.',
  'teams.sentPersonally': 'I sent you the answer in our personal chat.',
  'teams.hearBackHere': 'I will tell you here what becomes of it.',
  'teams.hearBackInPersonal': 'I will tell you in our personal chat what becomes of it.',

  // Lists' headings and rows (audit-lists.ts), as Slack and Teams show them (blocks.ts, cards.ts)
  'list.headingMyCommands': 'Your commands',
  'list.headingCommands': 'Commands',
  'list.headingMySessions': 'Your terminal sessions',
  'list.headingSessions': 'Terminal sessions',
  'list.headingMyTransfers': 'Your file transfers',
  'list.headingMySudo': 'Your sudo authorizations',
  'list.headingApprovals': 'Requests',
  'list.headingActivity': 'Workspace activity',
  'list.recording': 'Recording',
  'list.exit': 'exit {code}',
  'list.via': 'via {via}',
  'list.until': 'until',
  'list.bytes': '{count} bytes',
  'list.minutes': '{minutes} min',
  'list.approvals': '{received}/{required} approvals',
  'list.result': 'result {result}',
  'list.nothingMatches': 'Nothing matches.',
  'list.more': 'More',
  'list.shown': '{heading}: {count} shown',
  'list.shownMore': '{heading}: {count} shown, more available',

  // A request as approvers see it, and the decision modal (blocks.ts, cards.ts)
  'approval.requester': 'Requester',
  'approval.servers': 'Servers',
  'approval.command': 'Command',
  'approval.pattern': '(pattern)',
  'approval.extension': 'Extension',
  'approval.moreMinutes': '{minutes} more minutes',
  'approval.sessionEnds': 'the session ends {at}',
  'approval.duration': 'Duration',
  'approval.minutes': '{minutes} minutes',
  'approval.approvals': 'Approvals',
  'approval.received': '{received} of {required}',
  'approval.stillNeeded': '{received} of {required} ({needed} still needed)',
  'approval.policy': 'Policy',
  'approval.defaultRules': 'default rules',
  'approval.decideBy': 'Decide by',
  'approval.grantsSudo': ':warning: *Approving also grants sudo:* {sudo}, on {servers}.',
  'approval.extendsSudo': ':warning: *Approving also extends sudo:* {sudo}, on {servers}.',
  'approval.reason': 'Reason',
  'approval.approve': 'Approve',
  'approval.deny': 'Deny',
  'approval.openInVigil': 'Open in Vigil',
  'approval.decideInVigil': 'Decide in Vigil',
  'approval.stepUpHint': 'Deciding here asks for your authenticator code.',
  'approval.summary': '{title} by {requester}: {request} — {status}',
  'modal.approveQuestion': 'Approve {request} for {requester}?',
  'modal.denyQuestion': 'Deny {request} for {requester}?',
  'modal.justification': 'Justification',
  'modal.code': 'Authenticator code',
  'modal.codeHint': 'The 6-digit code from the authenticator you enrolled in Vigil.',
  'modal.approveTitle': 'Approve request',
  'modal.denyTitle': 'Deny request',
  'modal.cancel': 'Cancel',

  // Teams' cards (cards.ts)
  'teams.sudo': 'Sudo',
  'teams.sudoOnEveryServer': '{sudo}, on every server below',
  'teams.justificationToDecide': 'Justification (needed to approve or deny)',
  'teams.justificationToDeny': 'Justification (needed to deny)',
  'teams.codeLabel': 'Authenticator code (the policy asks for it)',
  'teams.cardTitle': '{title}: {status}',
  'teams.grantsSudo': 'Approving also grants sudo: {sudo}, on {servers}.',
  'teams.extendsSudo': 'Approving also extends sudo: {sudo}, on {servers}.',
  'teams.sessionEnds': 'Session ends',
  'teams.decideInDialog': 'Decide in a dialog',
  'teams.decideItInVigil': 'Decide it in Vigil.',
  'teams.dialogTitle': '{title} by {requester}',
  'alert.severity': 'Severity {severity}',
  'alert.acknowledge': 'Acknowledge',
  'alert.resolve': 'Resolve',

  // Teams' decision dialog (decision-dialog.ts) and Pending approvals search (pending-approvals.ts)
  'dialog.notYours': 'This request is not yours to decide now (it is not waiting for you, or you decided it already).',
  'dialog.nothingToDecide': 'That request is {status}: there is nothing to decide.',
  'dialog.decideInVigil': '{refusal}: decide it in Vigil.',
  'dialog.outOfDate': 'That dialog is out of date: ask again.',
  'pending.commandOutOfDate': 'That command is out of date: update the Vigil app.',
  'pending.preview': '{title}: {servers}',
  'pending.stillNeeded': '{requester} · {count, plural, one {# approval} other {# approvals}} still needed',

  // Slack's Approve / Deny (approval-actions.ts)
  'slack.noAuthenticator':
    'This request asks for your authenticator code, and you have no authenticator yet: enrol one in Vigil (startTotpEnrolment, then confirmTotpEnrolment), then click again. Nothing changed.',
  'slack.notAnApprover': 'you are not one of its approvers (or it is your own request)',
  'slack.requestIs': 'it is {status}',
  'slack.cannotDecide': 'You cannot decide this request: {why}. Nothing changed.',
  'slack.notDecided': 'Not decided: {message}',

  // Slack's alert messages and their buttons (alert-actions.ts)
  'slack.alertSeverity': 'Severity *{severity}*',
  'slack.noProvenWorkspace':
    'This tenant has no proven Slack workspace: bind it (bindChatWorkspace, then `/audit bind CODE` in the workspace) before the bot posts alerts for it',

  // Teams single sign-on (sso.ts): lines in the chat, and the reasons Teams is given (failureDetail)
  'sso.unmappedSignIn':
    'I do not know you in Vigil yet. Sign in with your Microsoft account below and I link you to the Vigil user with your organisation email; or ask a Vigil admin for a link code, then send me: audit link CODE',
  'sso.orSignInPersonally': '{unmapped} Or open a personal chat with me and sign in with your Microsoft account.',
  'sso.cardTitle': 'Sign in to Vigil',
  'sso.cardText': 'Sign in with your Microsoft account',
  'sso.notConfigured': 'Single sign-on is not configured in Vigil',
  'sso.notOurConnection': 'That is not Vigil’s sign-in connection',
  'sso.noToken': 'The exchange carries no token',
  'sso.tokenServiceUnavailable': 'Sign-in through the token service is not available',
  'sso.codeNotAccepted': 'The sign-in code was not accepted',
  'sso.tenantNotConnected': 'This Microsoft Teams tenant is not connected to Vigil',
  'sso.whoUnknown': 'Teams did not say who you are: nothing was linked.',
  'sso.notLinked': 'Sign-in did not link you: {refusal}. Nothing was linked.',
  'sso.noSuchUser':
    'You signed in as {email}, but no active Vigil user has that email: nothing was linked. Ask a Vigil admin for a link code, then send me: audit link CODE',
  'sso.signedIn': 'Signed in: you are {email} in Vigil.',

  // Extending access (extension-requests.ts); alerts' outcomes (alert-facts.ts); long lists (clip.ts)
  'extension.moreTimeFor': 'More time for: {reason}',
  'extension.extended': 'Extended, {what}.',
  'extension.extendedUntil': 'Extended, {what}: your access now ends {at}.',
  'extension.extendedByPolicy': 'Extended by the policy {policy}, {what}.',
  'extension.extendedByPolicyUntil': 'Extended by the policy {policy}, {what}: your access now ends {at}.',
  'extension.waiting': 'Asked for {what}: waiting for {count, plural, one {# approval} other {# approvals}}. {followUp}',
  'extension.offer': 'Your access to {servers} ends {at}. Need more time?',
  'extension.offerUpTo': 'Your access to {servers} ends {at}. Need more time? (Up to {minutes} more minutes.)',
  'alert.resolvedBy': 'resolved by {email}',
  'alert.resolvedCleared': 'resolved: its condition cleared',
  'alert.acknowledgedBy': 'acknowledged by {who}',
  'list.andMore': 'and {count} more',
  'teams.noProvenTenant':
    'This tenant has no proven Microsoft Teams tenant: bind it (bindChatWorkspace, then “audit bind CODE” to the bot) before the bot posts alerts for it',

  // What the requester is told when their request is decided (approval-notifier.ts)
  'notice.yourRequest': 'Your request for {request} is {status}. {outcome}',
  'status.pending': 'pending',
  'status.approved': 'approved',
  'status.denied': 'denied',
  'status.cancelled': 'cancelled',
  'status.expired': 'expired',
} as const;
