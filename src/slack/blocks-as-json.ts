import type { KnownBlock } from '@slack/types';

/**
 * A message's blocks as the JSON text the Web API client would send for them anyway.
 *
 * The client form-encodes an object-valued argument as its JSON, so a `blocks` string goes out
 * byte for byte the same. The difference is before that: the client builds its debug log line for
 * every request, whatever the log level (a copy of the body with tokens redacted, walking every
 * key of every block, then that copy's JSON). For a nudge message that is about 5% of the worker's
 * CPU; a string is not walked. Slack's API documents `blocks` as "a JSON-based array of
 * structured blocks, presented as a URL-encoded string", so the argument's declared type is the
 * only thing this bends.
 */
export function blocksAsJson(message: { text: string; blocks: KnownBlock[] }): {
  text: string;
  blocks: KnownBlock[];
} {
  return { text: message.text, blocks: JSON.stringify(message.blocks) as unknown as KnownBlock[] };
}
