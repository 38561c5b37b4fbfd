import type { MemberRole } from '../db/database.js';

/** Who a user is on one panel. */
export interface PanelViewer {
  userId: string;
  roles: ReadonlySet<MemberRole>;
  isCreator: boolean;
}

/** The panel's team (creator and every member) sees the panel. */
export function canSeePanel(viewer: PanelViewer): boolean {
  return viewer.isCreator || viewer.roles.size > 0;
}

/** The roles of the members who run a panel with its creator (told of declines, late feedback). */
export const COORDINATOR_ROLES = ['recruiter', 'hiring_manager'] as const satisfies readonly MemberRole[];

/** Coordinators run the panel: the creator, the recruiter and the hiring manager. */
export function canCoordinatePanel(viewer: PanelViewer): boolean {
  return viewer.isCreator || COORDINATOR_ROLES.some((role) => viewer.roles.has(role));
}

/** A panel's coordinating members, each person once (their first such membership). */
export function coordinatorsOf<M extends { user_id: string; role: MemberRole }>(members: readonly M[]): M[] {
  const byPerson = new Map<string, M>();
  for (const member of members) {
    const coordinates = (COORDINATOR_ROLES as readonly MemberRole[]).includes(member.role);
    if (coordinates && !byPerson.has(member.user_id)) byPerson.set(member.user_id, member);
  }
  return [...byPerson.values()];
}
