/**
 * A Google Calendar "add event" link for a slot. It opens a pre-filled event in the reader's own
 * calendar (times are given in UTC, so Google shows them in the reader's zone); no file download
 * is needed. {@link outlookCalendarLink} does the same for Outlook.
 */
export function googleCalendarLink(event: {
  title: string;
  startsAt: Date;
  endsAt: Date;
  details: string;
  location: string | null;
}): string {
  const stamp = (at: Date) =>
    at
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
  const params = new URLSearchParams({
    action: 'TEMPLATE',
    text: event.title,
    dates: `${stamp(event.startsAt)}/${stamp(event.endsAt)}`,
    details: event.details.slice(0, 1000),
  });
  if (event.location !== null) params.set('location', event.location.slice(0, 300));
  return `https://calendar.google.com/calendar/render?${params.toString()}`;
}

/** The same event as an Outlook (Microsoft 365 on the web) compose link. */
export function outlookCalendarLink(event: {
  title: string;
  startsAt: Date;
  endsAt: Date;
  details: string;
  location: string | null;
}): string {
  const params = new URLSearchParams({
    path: '/calendar/action/compose',
    rru: 'addevent',
    subject: event.title,
    startdt: event.startsAt.toISOString(),
    enddt: event.endsAt.toISOString(),
    body: event.details.slice(0, 1000),
  });
  if (event.location !== null) params.set('location', event.location.slice(0, 300));
  return `https://outlook.office.com/calendar/0/deeplink/compose?${params.toString()}`;
}
