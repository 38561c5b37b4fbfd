import { type Kysely, sql, type Transaction } from 'kysely';
import type { UpcomingInterview } from '../../blocks/app-home.js';
import type { PanelLine } from '../../blocks/panel-list.js';
import type { PendingFeedbackItem } from '../../blocks/pending-feedback.js';
import type { Database, PanelState, StageKind } from './database.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Everything one person's App Home shows, read in one statement (`/panel feedback` lists its `pendingFeedback`). */
export interface HomeData {
  /** Booked interviews of open panels not yet over and starting before `until`, soonest first (40 at most). */
  interviews: UpcomingInterview[];
  /** Open panels they created or are recruiter or hiring manager of, newest first (20 at most). */
  coordinating: PanelLine[];
  /** Panels they created or are on in any role and state, newest first (50 at most). */
  panels: PanelLine[];
  /** Interviews of open panels that have ended with their feedback not yet submitted (25 at most). */
  pendingFeedback: PendingFeedbackItem[];
}

interface JsonPanel {
  id: number | string;
  number: number;
  state: PanelState;
  candidate_name: string;
  role_title: string;
  decision_deadline: string;
}

interface JsonInterview {
  slot_id: number | string;
  starts_at: string;
  ends_at: string;
  location: string | null;
  declined_at: string | null;
  stage_kind: StageKind;
  panel_number: number;
  candidate_name: string;
  role_title: string;
  feedback_state: 'draft' | 'submitted' | null;
}

interface HomeRow {
  interviews: JsonInterview[];
  pending: JsonInterview[];
  coordinating: JsonPanel[];
  panels: JsonPanel[];
}

const toPanelLine = (p: JsonPanel): PanelLine => ({
  id: String(p.id),
  number: p.number,
  state: p.state,
  candidate_name: p.candidate_name,
  role_title: p.role_title,
  decision_deadline: new Date(p.decision_deadline),
});

/**
 * Reads what one person's App Home shows. One prepared statement (see connection.ts) instead of a
 * query per list: a Home is published after every change that concerns its owner, so this runs
 * for most bookings and feedback submissions, and each round trip to Postgres costs both sides CPU.
 * Every table is read within the team.
 */
export async function loadHomeData(
  db: Db,
  teamId: string,
  userId: string,
  now: Date,
  until: Date,
): Promise<HomeData> {
  const { rows } = await sql<HomeRow>`/* prepared:app_home */
    with mine as materialized (
      select p.id::text as id, p.number, p.state, p.candidate_name, p.role_title, p.decision_deadline, p.created_at,
        (p.created_by = ${userId} or exists (
          select 1 from panel_member m
          where m.team_id = p.team_id and m.panel_id = p.id and m.user_id = ${userId}
            and m.role in ('recruiter', 'hiring_manager'))) as coordinates
      from panel p
      where p.team_id = ${teamId}
        and p.id in (
          select id from panel where team_id = ${teamId} and created_by = ${userId}
          union
          select panel_id from panel_member where team_id = ${teamId} and user_id = ${userId})
    ),
    interviews as materialized (
      select sl.id::text as slot_id, sl.starts_at, sl.ends_at, sl.location, si.declined_at,
        st.kind as stage_kind, p.number as panel_number, p.candidate_name, p.role_title,
        f.state as feedback_state
      from slot_interviewer si
      join slot sl on sl.team_id = si.team_id and sl.id = si.slot_id
      join stage st on st.team_id = sl.team_id and st.id = sl.stage_id
      join panel p on p.team_id = sl.team_id and p.id = sl.panel_id
      left join feedback f
        on f.team_id = si.team_id and f.slot_id = si.slot_id and f.interviewer_id = si.user_id
      where si.team_id = ${teamId} and si.user_id = ${userId} and sl.state = 'booked' and p.state = 'open'
        and sl.starts_at < ${until}
    )
    select
      (select coalesce(json_agg(i order by i.starts_at, i.slot_id), '[]') from (
         select * from interviews where ends_at > ${now} order by starts_at, slot_id limit 40) i) as interviews,
      (select coalesce(json_agg(i order by i.ends_at, i.slot_id), '[]') from (
         select * from interviews
         where ends_at <= ${now} and declined_at is null
           and (feedback_state is null or feedback_state = 'draft')
         order by ends_at, slot_id limit 25) i) as pending,
      (select coalesce(json_agg(c order by c.created_at desc, c.number desc), '[]') from (
         select * from mine where coordinates and state = 'open'
         order by created_at desc, number desc limit 20) c) as coordinating,
      (select coalesce(json_agg(a order by a.created_at desc, a.number desc), '[]') from (
         select * from mine order by created_at desc, number desc limit 50) a) as panels
  `.execute(db);
  const row = rows[0];
  if (row === undefined) return { interviews: [], coordinating: [], panels: [], pendingFeedback: [] };
  return {
    interviews: row.interviews.map((i) => ({
      slotId: String(i.slot_id),
      startsAt: new Date(i.starts_at),
      endsAt: new Date(i.ends_at),
      location: i.location,
      declinedAt: i.declined_at === null ? null : new Date(i.declined_at),
      stageKind: i.stage_kind,
      panelNumber: i.panel_number,
      candidateName: i.candidate_name,
      roleTitle: i.role_title,
    })),
    pendingFeedback: row.pending.map((i) => ({
      slotId: String(i.slot_id),
      endsAt: new Date(i.ends_at),
      stageKind: i.stage_kind,
      panelNumber: i.panel_number,
      candidateName: i.candidate_name,
      feedbackState: i.feedback_state,
    })),
    coordinating: row.coordinating.map(toPanelLine),
    panels: row.panels.map(toPanelLine),
  };
}
