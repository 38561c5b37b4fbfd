import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { NudgeSettings } from '../domain/nudge-settings.js';

/** Postgres `bigint` ids arrive as strings from `pg`; we keep them as strings end to end. */
type BigIntId = ColumnType<string, never, never>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export type PanelState = 'open' | 'decided' | 'cancelled';
export type MemberRole = 'recruiter' | 'hiring_manager' | 'decision_maker' | 'interviewer';
export type StageKind = 'manager' | 'peer' | 'executive' | 'practical';

export interface WorkspaceTable {
  team_id: string;
  panels_created: Generated<number>;
  /** Minutes an interviewer must have free between two interviews. */
  slot_buffer_minutes: Generated<number>;
  /** Interviews one person may have in a week. */
  weekly_interview_limit: Generated<number>;
  nudge_settings: ColumnType<Partial<NudgeSettings>, string | undefined, string>;
  created_at: CreatedAt;
}

export interface PanelTable {
  id: BigIntId;
  team_id: string;
  number: number;
  candidate_name: string;
  role_title: string;
  channel_id: string;
  decision_deadline: Date;
  /** A calendar date (`YYYY-MM-DD`); `pg` is told to hand dates back as strings. */
  answer_promised_on: string;
  first_interview_notes: string | null;
  sealed: Generated<boolean>;
  state: Generated<PanelState>;
  /** Bumped on every change the announcement shows; the announcement job catches up to it. */
  revision: Generated<number>;
  announced_revision: Generated<number>;
  announcement_ts: string | null;
  /** The debrief message in the hiring channel, once posted. */
  debrief_ts: string | null;
  debriefed_revision: Generated<number>;
  /** When the recruiter said the candidate has been updated (stops the candidate-update nudges). */
  candidate_updated_at: Date | null;
  /** Its hiring channel's digest time zone, if the channel chose one (else the workspace's). */
  digest_time_zone: ColumnType<string | null, string | null | undefined, string | null>;
  /** The channel's debrief was posted sealed (to be brought up to date once the seal lifts). */
  debrief_sealed: Generated<boolean>;
  created_by: string;
  created_from_view: string;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

/**
 * Every panel column, for the prepared statements that read a whole panel. They must not say
 * `p.*`: a prepared statement's result type is fixed, and once a migration adds a column Postgres
 * refuses to run it again on that connection ("cached plan must not change result type") until the
 * process restarts. The check below fails to compile when a column is missing here.
 */
export const PANEL_COLUMNS = [
  'id',
  'team_id',
  'number',
  'candidate_name',
  'role_title',
  'channel_id',
  'decision_deadline',
  'answer_promised_on',
  'first_interview_notes',
  'sealed',
  'state',
  'revision',
  'announced_revision',
  'announcement_ts',
  'debrief_ts',
  'debriefed_revision',
  'candidate_updated_at',
  'digest_time_zone',
  'debrief_sealed',
  'created_by',
  'created_from_view',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof PanelTable)[];
/** `true` only when `Listed` names every column of `Table`: a list that misses one fails to compile. */
type NamesEveryColumn<Table, Listed extends readonly (keyof Table)[]> =
  Exclude<keyof Table, Listed[number]> extends never ? true : never;
const everyPanelColumn: NamesEveryColumn<PanelTable, typeof PANEL_COLUMNS> = true;
void everyPanelColumn;

/** `a.x, a.y, …`: `columns` of the table a statement calls `alias`. */
export function qualifiedColumns(alias: string, columns: readonly string[]) {
  return sql.raw(columns.map((column) => `${alias}.${column}`).join(', '));
}

/** `p.id, p.team_id, …`: the panel's columns for a statement that calls the panel `p`. */
export const PANEL_SELECT = qualifiedColumns('p', PANEL_COLUMNS);

export interface PanelMemberTable {
  team_id: string;
  panel_id: string;
  user_id: string;
  role: MemberRole;
  /** IANA time zone from Slack when the member was added. */
  time_zone: Generated<string>;
  added_at: CreatedAt;
}

export interface StageTable {
  id: BigIntId;
  team_id: string;
  panel_id: string;
  kind: StageKind;
  position: number;
}

export type SlotState = 'booked' | 'cancelled';

export interface SlotTable {
  id: BigIntId;
  team_id: string;
  panel_id: string;
  stage_id: string;
  starts_at: Date;
  ends_at: Date;
  /** A room or a video link. */
  location: string | null;
  note: string | null;
  state: Generated<SlotState>;
  created_by: string;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface SlotInterviewerTable {
  team_id: string;
  slot_id: string;
  user_id: string;
  /** `tstzrange` of the slot plus the buffer after it, written as `[start,end)`. */
  busy: ColumnType<string, string, string>;
  declined_at: Date | null;
}

export type FeedbackState = 'draft' | 'submitted';
/** The four-point scale: no neutral option. */
export type Rating = 'strong_no' | 'no' | 'yes' | 'strong_yes';
export type DecisionOutcome = 'hire' | 'no_hire' | 'hold';

/** What an interviewer wrote; stored as JSON, shown only to people allowed to see it. */
export interface FeedbackContent {
  /** Competency key → rating; a competency not assessed is absent. */
  ratings: Record<string, Rating>;
  /** Competency key → the evidence behind its rating. */
  evidence: Record<string, string>;
  star: { situation: string; task: string; action: string; result: string };
  strengths: string;
  concerns: string;
  questions: string;
  recommendation: Rating | null;
}

export interface FeedbackTable {
  id: BigIntId;
  team_id: string;
  panel_id: string;
  slot_id: string;
  interviewer_id: string;
  state: FeedbackState;
  content: ColumnType<FeedbackContent, string, string>;
  recommendation: Rating | null;
  submitted_at: Date | null;
  updated_at: Generated<Date>;
}

export interface FeedbackVersionTable {
  id: BigIntId;
  team_id: string;
  feedback_id: string;
  version: number;
  content: ColumnType<FeedbackContent, string, never>;
  recommendation: Rating;
  view_id: string;
  submitted_at: CreatedAt;
}

export interface DecisionTable {
  team_id: string;
  panel_id: string;
  outcome: DecisionOutcome;
  reason: string;
  decided_by: string;
  decided_at: CreatedAt;
  candidate_told_on: string;
}

export type NudgeKind =
  | 'briefing'
  | 'feedback_due'
  | 'feedback_reminder'
  | 'feedback_escalation'
  | 'decision_countdown'
  | 'candidate_update'
  | 'debrief_ready'
  | 'channel_digest';
export type NudgeState = 'pending' | 'sent' | 'cancelled' | 'failed';

export interface NudgeTable {
  id: BigIntId;
  team_id: string;
  panel_id: string;
  kind: NudgeKind;
  subject: string;
  recipient: string;
  occurrence: string;
  due_at: Date;
  deliver_at: Date;
  state: Generated<NudgeState>;
  snoozed_until: Date | null;
  attempts: Generated<number>;
  sent_at: Date | null;
  slack_channel: string | null;
  slack_ts: string | null;
  last_error: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

/** Every nudge column, for the prepared claim (see {@link PANEL_COLUMNS} for why not `n.*`). */
export const NUDGE_COLUMNS = [
  'id',
  'team_id',
  'panel_id',
  'kind',
  'subject',
  'recipient',
  'occurrence',
  'due_at',
  'deliver_at',
  'state',
  'snoozed_until',
  'attempts',
  'sent_at',
  'slack_channel',
  'slack_ts',
  'last_error',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof NudgeTable)[];
const everyNudgeColumn: NamesEveryColumn<NudgeTable, typeof NUDGE_COLUMNS> = true;
void everyNudgeColumn;

/**
 * Slack accepted a message covering this nudge row: written on a connection of its own right after
 * the send, while the delivery's transaction still holds the row, so a crash before that
 * transaction commits cannot send it again. It stands for the row only while the row is still due
 * at `deliver_at` (a change may move a pending row to another moment after a crash). Deleted when
 * the row is settled, or by the reconciler once it no longer matches its row.
 */
export interface NudgeReceiptTable {
  team_id: string;
  nudge_id: string;
  /** The row's `deliver_at` when its message was sent: the occurrence the receipt is for. */
  deliver_at: Date;
  slack_channel: string | null;
  slack_ts: string | null;
  sent_at: Date;
}

/** A hiring channel's own settings: so far, the time zone of its daily digest. */
export interface HiringChannelTable {
  team_id: string;
  channel_id: string;
  digest_time_zone: string;
  updated_by: string;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/**
 * A scheduling-modal submission that booked slots, by its Slack view: a repeat of the view (a
 * retry after a late answer, a double click) is answered from it instead of booking again.
 */
export interface ScheduleSubmissionTable {
  team_id: string;
  view_id: string;
  panel_id: string;
  /** The slots it booked, in the order of the modal's slot forms. */
  slot_ids: string[];
  submitted_by: string;
  submitted_at: ColumnType<Date, Date | undefined, never>;
}

/** An interviewer's "I can't make it", by the moment they declined: whether the coordinators were told. */
export interface DeclineNoticeTable {
  team_id: string;
  panel_id: string;
  slot_id: string;
  user_id: string;
  declined_at: Date;
  claimed_at: ColumnType<Date, Date | undefined, Date>;
  /** Who took the DM; null while a press is sending (or died sending); empty when Slack reached nobody. */
  told: string[] | null;
}

/** A schedule change's follow-ups, until a worker has done them (see the migration). */
export interface ScheduleFollowUpTable {
  team_id: string;
  panel_id: string;
  revision: number;
  /** The effects job (`ScheduleEffectsJob` in jobs/queues.ts), as queued. */
  job: ColumnType<unknown, string, never>;
  created_at: ColumnType<Date, never, never>;
}

export interface AuditEventTable {
  id: BigIntId;
  team_id: string;
  panel_id: string | null;
  actor_user_id: string;
  action: string;
  /** Facts about the action; never feedback text. */
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
  occurred_at: CreatedAt;
}

/** Someone who has opened the Home tab at least once (their Home is kept up to date for them). */
export interface HomeViewerTable {
  team_id: string;
  user_id: string;
  first_opened_at: Date;
  time_zone: Generated<string>;
}

/** A Slack profile as last read with `users.info` (see src/slack/user-directory.ts). */
export interface SlackUserTable {
  team_id: string;
  user_id: string;
  name: string;
  time_zone: string;
  is_bot: boolean;
  deleted: boolean;
  is_admin: boolean;
  fetched_at: Date;
}

/** The whole schema, as Kysely sees it. */
export interface Database {
  workspace: WorkspaceTable;
  panel: PanelTable;
  panel_member: PanelMemberTable;
  stage: StageTable;
  slot: SlotTable;
  slot_interviewer: SlotInterviewerTable;
  feedback: FeedbackTable;
  feedback_version: FeedbackVersionTable;
  decision: DecisionTable;
  nudge: NudgeTable;
  nudge_receipt: NudgeReceiptTable;
  schedule_submission: ScheduleSubmissionTable;
  decline_notice: DeclineNoticeTable;
  schedule_follow_up: ScheduleFollowUpTable;
  hiring_channel: HiringChannelTable;
  audit_event: AuditEventTable;
  home_viewer: HomeViewerTable;
  slack_user: SlackUserTable;
}

export type Panel = Selectable<PanelTable>;
export type NewPanel = Insertable<PanelTable>;
export type PanelMember = Selectable<PanelMemberTable>;
export type Stage = Selectable<StageTable>;
export type AuditEvent = Selectable<AuditEventTable>;
export type Slot = Selectable<SlotTable>;
export type SlotInterviewer = Selectable<SlotInterviewerTable>;
export type Workspace = Selectable<WorkspaceTable>;
export type Feedback = Selectable<FeedbackTable>;
export type FeedbackVersion = Selectable<FeedbackVersionTable>;
export type Decision = Selectable<DecisionTable>;
export type Nudge = Selectable<NudgeTable>;
export type NudgeReceipt = Selectable<NudgeReceiptTable>;
