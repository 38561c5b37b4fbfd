/** Slack's limits on Block Kit (https://docs.slack.dev/reference/block-kit). */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  blocksPerModal: 100,
  sectionText: 3000,
  sectionFieldText: 2000,
  sectionFields: 10,
  headerText: 150,
  contextElements: 10,
  buttonText: 75,
  modalTitle: 24,
  modalSubmit: 24,
  plainTextInput: 3000,
  privateMetadata: 3000,
  optionText: 75,
  /** The fallback `text` of a message; Slack truncates beyond 40,000 but notifications want far less. */
  messageText: 3000,
} as const;

/** Cuts text to `max` characters, ending with an ellipsis when anything was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}
