/** Formats a panel's per-workspace number as users see and type it: `P-12`. */
export function formatPanelReference(number: number): string {
  return `P-${number}`;
}

/**
 * Reads a panel reference as a user might type it: `P-12`, `p-12`, `P12` or `12`.
 * @returns the panel number, or undefined when the text is not a reference.
 */
export function parsePanelReference(text: string): number | undefined {
  const match = /^(?:p-?)?(\d{1,9})$/i.exec(text.trim());
  if (match?.[1] === undefined) return undefined;
  const number = Number.parseInt(match[1], 10);
  return number > 0 ? number : undefined;
}
