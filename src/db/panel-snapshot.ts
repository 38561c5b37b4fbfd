import { type Kysely, sql, type Transaction } from 'kysely';
import { type NudgeSettings, resolveNudgeSettings } from '../domain/nudge-settings.js';
import {
  type Database,
  type Decision,
  type Feedback,
  type MemberRole,
  type Nudge,
  type NudgeKind,
  type NudgeState,
  PANEL_SELECT,
  type Panel,
  type PanelMember,
  type SlotState,
  type Stage,
  type StageKind,
} from './database.js';
import type { PanelDetails } from './panels.js';
import type { SlotWithPeople } from './slots.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A nudge row as re-planning compares it with the plan. */
export type NudgeRowForPlan = Pick<
  Nudge,
  'id' | 'kind' | 'subject' | 'recipient' | 'occurrence' | 'state' | 'due_at' | 'deliver_at' | 'snoozed_until'
>;

/**
 * Everything a change to a panel reads before it writes: the panel with its people and stages, its
 * booked slots with their interviewers, the feedback already submitted, its nudge rows, and the
 * workspace's rules. One round trip instead of a dozen: under load every round trip costs both
 * processes CPU, and the panel's row lock is held meanwhile.
 */
export interface PanelSnapshot {
  details: PanelDetails;
  /** Booked slots in time order. */
  slots: SlotWithPeople[];
  submitted: { slot_id: string; interviewer_id: string; submitted_at: Date | null }[];
  nudges: NudgeRowForPlan[];
  settings: { bufferMinutes: number; weeklyLimit: number; nudges: NudgeSettings };
  /** Asked for with `interviewsOf`: those people's booked interviews in that window, any panel. */
  interviews?: { slotId: string; userId: string; startsAt: Date; endsAt: Date; panelNumber: number }[];
}

/** Whose interviews a snapshot also reads (booked, across the workspace, overlapping the window). */
export interface InterviewsQuery {
  userIds: readonly string[];
  from: Date;
  to: Date;
}

interface SnapshotRow extends Panel {
  members_json: JsonMember[];
  stages_json: JsonStage[];
  slots_json: JsonSlot[];
  submitted_json: { slot_id: number | string; interviewer_id: string; submitted_at: string | null }[];
  nudges_json: JsonNudge[];
  slot_buffer_minutes: number | null;
  weekly_interview_limit: number | null;
  nudge_settings: Partial<NudgeSettings> | null;
  interviews_json?: {
    slot_id: number | string;
    user_id: string;
    starts_at: string;
    ends_at: string;
    number: number;
  }[];
}

interface JsonMember {
  team_id: string;
  panel_id: number | string;
  user_id: string;
  role: MemberRole;
  time_zone: string;
  added_at: string;
}
interface JsonStage {
  id: number | string;
  team_id: string;
  panel_id: number | string;
  kind: StageKind;
  position: number;
}
interface JsonSlot {
  id: number | string;
  team_id: string;
  panel_id: number | string;
  stage_id: number | string;
  starts_at: string;
  ends_at: string;
  location: string | null;
  note: string | null;
  state: SlotState;
  created_by: string;
  created_at: string;
  updated_at: string;
  stage_kind: StageKind;
  interviewers: { user_id: string; declined_at: string | null }[];
}
interface JsonNudge {
  id: number | string;
  kind: NudgeKind;
  subject: string;
  recipient: string;
  occurrence: string;
  state: NudgeState;
  due_at: string;
  deliver_at: string;
  snoozed_until: string | null;
}

const date = (value: string) => new Date(value);
const maybeDate = (value: string | null) => (value === null ? null : new Date(value));

const membersFrom = (json: JsonMember[]): PanelMember[] =>
  json.map((m) => ({ ...m, panel_id: String(m.panel_id), added_at: date(m.added_at) }));
const stagesFrom = (json: JsonStage[]): Stage[] =>
  json.map((s) => ({ ...s, id: String(s.id), panel_id: String(s.panel_id) }));
const slotsFrom = (json: JsonSlot[]): SlotWithPeople[] =>
  json.map(({ stage_kind, interviewers, ...s }) => ({
    slot: {
      ...s,
      id: String(s.id),
      panel_id: String(s.panel_id),
      stage_id: String(s.stage_id),
      starts_at: date(s.starts_at),
      ends_at: date(s.ends_at),
      created_at: date(s.created_at),
      updated_at: date(s.updated_at),
    },
    stageKind: stage_kind,
    interviewers: interviewers.map((i) => ({ userId: i.user_id, declinedAt: maybeDate(i.declined_at) })),
  }));

/** A panel's members, in the order they were added, as JSON (the panel is `p`). */
const MEMBERS_JSON = sql`(select coalesce(json_agg(m order by m.added_at, m.user_id, m.role), '[]')
         from panel_member m where m.team_id = p.team_id and m.panel_id = p.id)`;
/** A panel's stages in order, as JSON. */
const STAGES_JSON = sql`(select coalesce(json_agg(s order by s.position), '[]')
         from stage s where s.team_id = p.team_id and s.panel_id = p.id)`;
/** A panel's booked slots in time order, each with its stage's kind and its interviewers, as JSON. */
const SLOTS_JSON = sql`(select coalesce(json_agg(
                (to_jsonb(sl) || jsonb_build_object(
                  'stage_kind', st.kind,
                  'interviewers', (select coalesce(jsonb_agg(jsonb_build_object(
                                      'user_id', si.user_id, 'declined_at', si.declined_at) order by si.user_id), '[]')
                                   from slot_interviewer si where si.team_id = sl.team_id and si.slot_id = sl.id)))
                order by sl.starts_at, sl.id), '[]')
         from slot sl join stage st on st.team_id = sl.team_id and st.id = sl.stage_id
         where sl.team_id = p.team_id and sl.panel_id = p.id and sl.state = 'booked')`;

/**
 * Reads a panel's snapshot. `forUpdate` first takes the panel's row lock (every writer's first
 * step) in a statement of its own: a statement reads what was committed when it began, so the
 * snapshot must begin after the lock is held, or it could miss what the lock's previous holder
 * wrote (say, the slot just booked, whose nudges a re-plan would then cancel).
 */
export async function loadPanelSnapshot(
  db: Db,
  teamId: string,
  panelId: string,
  { forUpdate = false, interviewsOf }: { forUpdate?: boolean; interviewsOf?: InterviewsQuery } = {},
): Promise<PanelSnapshot | undefined> {
  if (forUpdate) {
    const locked = await sql`/* prepared:panel_lock */
      select id from panel where team_id = ${teamId} and id = ${panelId} for update`.execute(db);
    if (locked.rows.length === 0) return undefined;
  }
  // Two texts (with and without the interviews), each prepared once per connection.
  const mark = sql.raw(
    interviewsOf === undefined ? '/* prepared:panel_snapshot */' : '/* prepared:panel_snapshot_interviews */',
  );
  const { rows } = await sql<SnapshotRow>`${mark}
    select ${PANEL_SELECT},
      ${MEMBERS_JSON} as members_json,
      ${STAGES_JSON} as stages_json,
      ${SLOTS_JSON} as slots_json,
      (select coalesce(json_agg(json_build_object(
                'slot_id', f.slot_id, 'interviewer_id', f.interviewer_id, 'submitted_at', f.submitted_at)), '[]')
         from feedback f where f.team_id = p.team_id and f.panel_id = p.id and f.state = 'submitted') as submitted_json,
      (select coalesce(json_agg(json_build_object(
                'id', n.id, 'kind', n.kind, 'subject', n.subject, 'recipient', n.recipient,
                'occurrence', n.occurrence, 'state', n.state, 'due_at', n.due_at,
                'deliver_at', n.deliver_at, 'snoozed_until', n.snoozed_until)), '[]')
         from nudge n where n.team_id = p.team_id and n.panel_id = p.id) as nudges_json,
      ${
        interviewsOf === undefined
          ? sql``
          : sql`(select coalesce(json_agg(json_build_object(
                'slot_id', si.slot_id, 'user_id', si.user_id, 'starts_at', s2.starts_at,
                'ends_at', s2.ends_at, 'number', p2.number)), '[]')
             from slot_interviewer si
             join slot s2 on s2.team_id = si.team_id and s2.id = si.slot_id
             join panel p2 on p2.team_id = s2.team_id and p2.id = s2.panel_id
             where si.team_id = p.team_id
               and si.user_id = any(array(select json_array_elements_text(${JSON.stringify(interviewsOf.userIds)}::json)))
               and s2.state = 'booked'
               and si.busy && tstzrange(${interviewsOf.from}, ${interviewsOf.to})) as interviews_json,`
      }
      w.slot_buffer_minutes, w.weekly_interview_limit, w.nudge_settings
    from panel p
    left join workspace w on w.team_id = p.team_id
    where p.team_id = ${teamId} and p.id = ${panelId}
  `.execute(db);
  const row = rows[0];
  if (row === undefined) return undefined;
  const {
    members_json,
    stages_json,
    slots_json,
    submitted_json,
    nudges_json,
    slot_buffer_minutes,
    weekly_interview_limit,
    nudge_settings,
    interviews_json,
    ...panel
  } = row;
  return {
    details: { panel, members: membersFrom(members_json), stages: stagesFrom(stages_json) },
    slots: slotsFrom(slots_json),
    submitted: submitted_json.map((f) => ({
      slot_id: String(f.slot_id),
      interviewer_id: f.interviewer_id,
      submitted_at: maybeDate(f.submitted_at),
    })),
    nudges: nudges_json.map((n) => ({
      ...n,
      id: String(n.id),
      due_at: date(n.due_at),
      deliver_at: date(n.deliver_at),
      snoozed_until: maybeDate(n.snoozed_until),
    })),
    settings: {
      bufferMinutes: slot_buffer_minutes ?? 10,
      weeklyLimit: weekly_interview_limit ?? 5,
      nudges: resolveNudgeSettings(nudge_settings),
    },
    ...(interviews_json === undefined
      ? {}
      : {
          interviews: interviews_json.map((i) => ({
            slotId: String(i.slot_id),
            userId: i.user_id,
            startsAt: date(i.starts_at),
            endsAt: date(i.ends_at),
            panelNumber: i.number,
          })),
        }),
  };
}

/** A panel as a nudge delivery re-checks and words its messages: its people, slots, feedback, decision. */
export interface PanelRecord {
  details: PanelDetails;
  /** Booked slots in time order. */
  slots: SlotWithPeople[];
  /** Every feedback row, drafts too. */
  feedback: Feedback[];
  decision: Decision | undefined;
}

interface PanelRecordRow extends Panel {
  members_json: JsonMember[];
  stages_json: JsonStage[];
  slots_json: JsonSlot[];
  feedback_json: (Omit<Feedback, 'id' | 'panel_id' | 'slot_id' | 'submitted_at' | 'updated_at'> & {
    id: number | string;
    panel_id: number | string;
    slot_id: number | string;
    submitted_at: string | null;
    updated_at: string;
  })[];
  decision_json:
    | (Omit<Decision, 'panel_id' | 'decided_at'> & { panel_id: number | string; decided_at: string })
    | null;
  nudge_settings: Partial<NudgeSettings> | null;
}

/**
 * Reads several panels of a workspace, with the workspace's nudge settings, in one prepared
 * statement (a nudge delivery's batch spans several panels; this was eight round trips a batch).
 */
export async function loadPanelRecords(
  db: Db,
  teamId: string,
  panelIds: readonly string[],
): Promise<{ nudgeSettings: NudgeSettings; panels: Map<string, PanelRecord> }> {
  const { rows } = await sql<PanelRecordRow>`/* prepared:panel_records */
    select ${PANEL_SELECT},
      ${MEMBERS_JSON} as members_json,
      ${STAGES_JSON} as stages_json,
      ${SLOTS_JSON} as slots_json,
      (select coalesce(json_agg(f), '[]')
         from feedback f where f.team_id = p.team_id and f.panel_id = p.id) as feedback_json,
      (select to_json(d) from decision d where d.team_id = p.team_id and d.panel_id = p.id) as decision_json,
      w.nudge_settings
    from (select 1) one
    left join workspace w on w.team_id = ${teamId}
    left join panel p on p.team_id = ${teamId} and p.id = any(${[...new Set(panelIds)]}::bigint[])
  `.execute(db);
  const panels = new Map<string, PanelRecord>();
  for (const row of rows) {
    const { members_json, stages_json, slots_json, feedback_json, decision_json, nudge_settings, ...panel } =
      row;
    // The one row of a workspace none of whose panels was found.
    if ((panel.id as string | null) === null) continue;
    panels.set(panel.id, {
      details: { panel, members: membersFrom(members_json), stages: stagesFrom(stages_json) },
      slots: slotsFrom(slots_json),
      feedback: feedback_json.map((f) => ({
        ...f,
        id: String(f.id),
        panel_id: String(f.panel_id),
        slot_id: String(f.slot_id),
        submitted_at: maybeDate(f.submitted_at),
        updated_at: date(f.updated_at),
      })),
      decision:
        decision_json === null
          ? undefined
          : {
              ...decision_json,
              panel_id: String(decision_json.panel_id),
              decided_at: date(decision_json.decided_at),
            },
    });
  }
  return { nudgeSettings: resolveNudgeSettings(rows[0]?.nudge_settings), panels };
}
