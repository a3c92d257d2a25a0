import { registerEnumType } from 'type-graphql';

export enum RequestKindEnum {
  ACCESS = 'access',
  SUDO = 'sudo',
  EXTENSION = 'extension',
}
registerEnumType(RequestKindEnum, {
  name: 'RequestKind',
  description:
    'What a request asks for: access to servers, sudo for a command, or (EXTENSION) a later end for an access session in force. Policies name ACCESS and SUDO; an extension follows the policy of the session it extends.',
});

export enum ExtensionApprovalEnum {
  AS_REQUEST = 'as_request',
  NOT_REQUIRED = 'not_required',
  DISABLED = 'disabled',
}
registerEnumType(ExtensionApprovalEnum, {
  name: 'ExtensionApproval',
  description:
    'How extending an access session a policy governed is decided: AS_REQUEST holds the extension to the policy’s approval rules, as a request (approved at once when the policy needs no approvals); NOT_REQUIRED moves the end at once, within the policy’s limits; DISABLED refuses it.',
});

export enum ApprovalStatusEnum {
  PENDING = 'pending',
  APPROVED = 'approved',
  DENIED = 'denied',
  CANCELLED = 'cancelled',
  EXPIRED = 'expired',
}
registerEnumType(ApprovalStatusEnum, { name: 'ApprovalStatus', description: 'EXPIRED: not decided by its deadline.' });

export enum DecisionEnum {
  APPROVE = 'approved',
  DENY = 'denied',
}
registerEnumType(DecisionEnum, { name: 'Decision' });

export enum ChatApprovalEnum {
  DISABLED = 'disabled',
  ALLOWED = 'allowed',
  STEP_UP = 'step_up',
}
registerEnumType(ChatApprovalEnum, {
  name: 'ChatApproval',
  description:
    "Whether approvers may decide in Slack or Teams. A chat click skips the MFA of a web sign-in: DISABLED shows no buttons (only a link); ALLOWED decides on the click; STEP_UP asks for the approver's current TOTP code with it.",
});

export enum DecisionChannelEnum {
  WEB = 'web',
  API = 'api',
  SLACK = 'slack',
  TEAMS = 'teams',
}
registerEnumType(DecisionChannelEnum, { name: 'DecisionChannel', description: 'Where a decision was made.' });

export enum SudoCheckOutcomeEnum {
  GRANTED = 'granted',
  EXPIRED = 'expired',
  REVOKED = 'revoked',
  NOT_GRANTED = 'not_granted',
  UNKNOWN_USER = 'unknown_user',
}
registerEnumType(SudoCheckOutcomeEnum, {
  name: 'SudoCheckOutcome',
  description: 'Why a sudo check was answered as it was: GRANTED, or the state of the latest grant that would have covered the command.',
});
