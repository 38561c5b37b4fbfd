import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/** Slack's JSON Schema (draft-07) for version-1 app manifests, kept in the shared folder next to the repo. */
const SCHEMA_URL = new URL('../../shared/slack/manifest.schema.1.0.0.json', import.meta.url);
const MANIFEST_URL = new URL('../manifest.yml', import.meta.url);

const SLACK_ENDPOINT_PATH = '/slack/events';
/** The bot scopes Panelist asks for. Adding one is a deliberate change: update this list and the README. */
const EXPECTED_BOT_SCOPES = [
  'channels:read',
  'chat:write',
  'chat:write.public',
  'commands',
  'groups:read',
  'users:read',
];

/** The parts of the manifest these tests read; the schema check runs first, so the shape is known. */
interface Manifest {
  display_information: { name: string; background_color?: string };
  features: {
    app_home?: { home_tab_enabled?: boolean; messages_tab_enabled?: boolean };
    bot_user?: { display_name: string };
    slash_commands?: { command: string; url?: string; description: string; usage_hint?: string }[];
  };
  oauth_config: { scopes: Record<string, string[]> };
  settings: {
    event_subscriptions?: { request_url?: string; bot_events?: string[] };
    interactivity?: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled?: boolean;
  };
}

function compileManifestSchema() {
  const schema: unknown = JSON.parse(readFileSync(SCHEMA_URL, 'utf8'));
  const ajv = new Ajv({
    allErrors: true,
    // Slack's schema puts `minItems` on string items in one provider definition; that quirk is not ours.
    strictTypes: false,
    // The only format in the schema is `uri` (for `$schema`); a real check without another dependency.
    formats: { uri: (value: string) => URL.canParse(value) },
  });
  // Slack-specific keywords: `_note` is a comment, `regex` is their spelling of `pattern` (background_color).
  ajv.addKeyword({ keyword: '_note' });
  ajv.addKeyword({
    keyword: 'regex',
    type: 'string',
    schemaType: 'string',
    validate: (regex: string, value: string) => new RegExp(regex).test(value),
  });
  return ajv.compile(schema as object);
}

const validateManifest = compileManifestSchema();

function schemaErrors(document: unknown): ErrorObject[] {
  return validateManifest(document) ? [] : [...(validateManifest.errors ?? [])];
}

function describeErrors(errors: ErrorObject[]): string {
  return errors
    .map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`)
    .join('\n');
}

function loadManifestDocument(): unknown {
  return parse(readFileSync(MANIFEST_URL, 'utf8'));
}

describe('manifest.yml', () => {
  const document = loadManifestDocument();
  const manifest = document as Manifest;

  it("is valid against Slack's version-1 manifest schema", () => {
    const errors = schemaErrors(document);
    expect(errors, describeErrors(errors)).toEqual([]);
  });

  it('sends the /panel command, interactivity and events to /slack/events', () => {
    const panel = manifest.features.slash_commands?.find((command) => command.command === '/panel');
    expect(panel).toBeDefined();
    expect(panel?.url).toMatch(/^https:\/\/[^/]+\/slack\/events$/);
    expect(panel?.usage_hint).toBe(
      'new | list | status P-12 | schedule P-12 | feedback | decide P-12 | cancel P-12 | settings | digest-zone Europe/Berlin | help',
    );
    expect(manifest.settings.interactivity?.is_enabled).toBe(true);
    expect(manifest.settings.interactivity?.request_url?.endsWith(SLACK_ENDPOINT_PATH)).toBe(true);
    expect(manifest.settings.event_subscriptions?.request_url?.endsWith(SLACK_ENDPOINT_PATH)).toBe(true);
  });

  it('subscribes to app_home_opened and user_change, and enables the Home tab', () => {
    expect(manifest.settings.event_subscriptions?.bot_events).toEqual(['app_home_opened', 'user_change']);
    expect(manifest.features.app_home?.home_tab_enabled).toBe(true);
    expect(manifest.features.bot_user?.display_name).toBe('Panelist');
  });

  it('asks for exactly the expected bot scopes and no user scopes', () => {
    expect(Object.keys(manifest.oauth_config.scopes)).toEqual(['bot']);
    const bot = manifest.oauth_config.scopes.bot ?? [];
    expect(new Set(bot).size).toBe(bot.length);
    expect([...bot].sort()).toEqual(EXPECTED_BOT_SCOPES);
  });
});

describe('the manifest schema check', () => {
  function brokenCopy(breakIt: (copy: Manifest & Record<string, unknown>) => void): unknown {
    const copy = structuredClone(loadManifestDocument()) as Manifest & Record<string, unknown>;
    breakIt(copy);
    return copy;
  }

  it('rejects a slash command without a description', () => {
    const broken = brokenCopy((copy) => {
      const [command] = copy.features.slash_commands ?? [];
      if (command !== undefined) delete (command as Partial<typeof command>).description;
    });
    const errors = schemaErrors(broken);
    expect(
      errors.some((error) => error.keyword === 'required' && error.params.missingProperty === 'description'),
    ).toBe(true);
  });

  it('rejects an unknown top-level key', () => {
    const broken = brokenCopy((copy) => {
      copy.not_a_manifest_key = true;
    });
    const errors = schemaErrors(broken);
    expect(
      errors.some(
        (error) =>
          error.keyword === 'additionalProperties' &&
          error.params.additionalProperty === 'not_a_manifest_key',
      ),
    ).toBe(true);
  });

  it('rejects a background colour that is not a hex colour', () => {
    const broken = brokenCopy((copy) => {
      copy.display_information.background_color = 'navy!!';
    });
    expect(schemaErrors(broken).some((error) => error.keyword === 'regex')).toBe(true);
  });
});
