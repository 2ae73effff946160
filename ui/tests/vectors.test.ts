// The UI's copies of the server's conversation rules (mention reading, the
// emoji check, the search-query check, the mock's search) against the cases
// the Rust tests hold the server's own rules to: both read
// crates/protocol/tests/vectors/conversation_rules.json.
import { describe, expect, it } from 'vitest';
import vectorsText from '../../crates/protocol/tests/vectors/conversation_rules.json?raw';
import { matchesQuery } from '../src/lib/backend/mock';
import { isEmoji, mentionSpans, queryProblem } from '../src/lib/util/validate';

interface Vectors {
  mentions: { text: string; names: string[] }[];
  emoji: { text: string; ok: boolean }[];
  queries: { query: string; ok: boolean }[];
  search: { text: string; query: string; found: boolean }[];
}

const vectors = JSON.parse(vectorsText) as Vectors;

describe('shared conversation-rule cases', () => {
  it('holds enough cases of each kind', () => {
    for (const cases of [vectors.mentions, vectors.emoji, vectors.queries, vectors.search]) expect(cases.length).toBeGreaterThanOrEqual(5);
  });

  it.each(vectors.mentions)('reads the mentions of $text', ({ text, names }) => {
    // the server lists each name once, as first written
    const read = [...new Set(mentionSpans(text).map((m) => m.name))];
    expect(read).toEqual(names);
  });

  it.each(vectors.emoji)('tells whether "$text" is one emoji', ({ text, ok }) => {
    expect(isEmoji(text)).toBe(ok);
  });

  it.each(vectors.queries)('checks the query "$query"', ({ query, ok }) => {
    expect(queryProblem(query) === null).toBe(ok);
  });

  it.each(vectors.search)('searches "$text" for "$query"', ({ text, query, found }) => {
    expect(matchesQuery(text, query)).toBe(found);
  });
});
