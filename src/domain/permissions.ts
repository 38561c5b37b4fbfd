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

/** Coordinators run the panel: the creator, the recruiter and the hiring manager. */
export function canCoordinatePanel(viewer: PanelViewer): boolean {
  return viewer.isCreator || viewer.roles.has('recruiter') || viewer.roles.has('hiring_manager');
}
