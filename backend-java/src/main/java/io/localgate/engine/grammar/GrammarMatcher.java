package io.localgate.engine.grammar;

import io.localgate.engine.grammar.Symbol.RuleRef;
import io.localgate.engine.grammar.Symbol.Terminal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;

/**
 * Where one generation is in a grammar, as llama.cpp's {@code llama_grammar} keeps it: the set of parser
 * stacks still alive (each with a terminal on top), whether the grammar could be complete now, and the
 * bytes of a UTF-8 character that the last token left unfinished.
 *
 * <p>{@link #allowedTokens} walks the {@link TokenTrie} depth first with the stacks: each byte edge
 * advances the state by the character it completes, and a subtree whose prefix no stack can match is
 * cut off there, so a step costs what the grammar lets through, not a scan of the vocabulary. States are
 * interned and the steps between them remembered across walks, so inside a long JSON string (where
 * nearly every token is allowed) a trie node costs an array lookup, not a rebuild of parser stacks.
 *
 * <p>Not thread-safe: a matcher belongs to one sequence.
 */
public final class GrammarMatcher {

    /** A set of stacks with terminals on top, and whether some stack is empty (the grammar may end here). */
    private static final class State {
        final Frame[] tops;
        final boolean canEnd;
        private final int hash;

        State(Frame[] tops, boolean canEnd) {
            this.tops = tops;
            this.canEnd = canEnd;
            this.hash = 31 * Arrays.hashCode(tops) + (canEnd ? 1 : 0);
        }

        boolean dead() {
            return tops.length == 0 && !canEnd;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof State other && other.hash == hash && other.canEnd == canEnd && Arrays.equals(other.tops, tops);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** How many distinct states the step memory may hold before it starts afresh. */
    private static final int MAX_REMEMBERED_STATES = 1 << 16;

    private static final State DEAD = new State(new Frame[0], false);

    private final Grammar grammar;
    private final TokenTrie trie;
    private State state;
    /** The bits of an unfinished UTF-8 character, and how many continuation bytes it still needs. */
    private int pendingValue;
    private int pendingRemaining;
    /** The smallest code point the unfinished character's length may encode (shorter forms are invalid UTF-8). */
    private int pendingMinimum;
    private boolean ended;
    /** Step memory for the trie walks (made on the first walk): states seen by id, and the steps between them. */
    private HashMap<State, Integer> stateIds;
    private List<State> states;
    /** Per state id, its steps on ASCII characters (-1: not taken yet), the common case, without hashing. */
    private List<int[]> asciiSteps;
    private Transitions transitions;

    /** @param trie the vocabulary to choose tokens from; null for a matcher fed with text only */
    public GrammarMatcher(Grammar grammar, TokenTrie trie) {
        this.grammar = grammar;
        this.trie = trie;
        var builder = new StateBuilder();
        for (Symbol[] alternative : grammar.rules[grammar.root]) {
            expand(alternative.length == 0 ? null : new Frame(alternative, 0, null), builder);
        }
        this.state = builder.build();
    }

    /** An independent matcher in the same place (the state is immutable, so this is cheap). */
    public GrammarMatcher copy() {
        var copy = new GrammarMatcher(grammar, trie, state);
        copy.pendingValue = pendingValue;
        copy.pendingRemaining = pendingRemaining;
        copy.pendingMinimum = pendingMinimum;
        copy.ended = ended;
        return copy;
    }

    private GrammarMatcher(Grammar grammar, TokenTrie trie, State state) {
        this.grammar = grammar;
        this.trie = trie;
        this.state = state;
    }

    /** Whether the text so far is a complete sentence of the grammar (so an end-of-generation token may follow). */
    public boolean canEnd() {
        return state.canEnd && pendingRemaining == 0;
    }

    /** Whether the text so far can still be continued or ended into a sentence of the grammar. */
    public boolean alive() {
        return !state.dead();
    }

    /**
     * Writes the ids of the tokens the grammar allows next into {@code out} (end-of-generation tokens
     * included once the grammar can end) and returns how many; in trie order, not by id.
     *
     * @param out at least {@link TokenTrie#vocabSize()} long
     */
    public int allowedTokens(int[] out) {
        requireTrie();
        int n = 0;
        if (ended) return 0;
        if (canEnd()) {
            for (int token : trie.endOfGeneration) out[n++] = token;
        }
        if (state.tops.length > 0) {
            if (states == null || states.size() > MAX_REMEMBERED_STATES) forgetSteps();
            n = walk(TokenTrie.ROOT, idOf(state), pendingValue, pendingRemaining, pendingMinimum, out, n);
        }
        return n;
    }

    private int walk(int node, int atId, int value, int remaining, int minimum, int[] out, int n) {
        State at = states.get(atId);
        int first = trie.firstChild[node];
        int end = first + trie.childCount[node];
        for (int child = first; child < end; child++) {
            int b = trie.label[child] & 0xFF;
            int nextId = atId;
            int v;
            int r;
            int min = minimum;
            if (remaining == 0) {
                r = sequenceLength(b) - 1;
                if (r < 0) continue; // a continuation byte with nothing to continue, or never valid
                v = r == 0 ? b : b & (0x3F >> r);
                min = MINIMUM[r];
            } else {
                if ((b & 0xC0) != 0x80) continue;
                v = value << 6 | (b & 0x3F);
                r = remaining - 1;
            }
            if (r == 0) {
                if (v < min || v > Character.MAX_CODE_POINT) continue;
                nextId = step(atId, v);
                if (states.get(nextId).dead()) continue;
            } else if (!couldMatch(at, v, r, min)) {
                continue;
            }
            int count = trie.tokenCount[child];
            if (count > 0) {
                System.arraycopy(trie.tokens, trie.tokenStart[child], out, n, count);
                n += count;
            }
            if (trie.childCount[child] > 0 && states.get(nextId).tops.length > 0) n = walk(child, nextId, r == 0 ? 0 : v, r, min, out, n);
        }
        return n;
    }

    /** The smallest code point of a UTF-8 sequence with this many continuation bytes. */
    private static final int[] MINIMUM = {0, 0x80, 0x800, 0x10000};

    /** How long a UTF-8 sequence starting with this byte is; 0 for a continuation byte or one never valid. */
    private static int sequenceLength(int lead) {
        if (lead < 0x80) return 1;
        if (lead < 0xC2) return 0;
        if (lead < 0xE0) return 2;
        if (lead < 0xF0) return 3;
        if (lead < 0xF5) return 4;
        return 0;
    }

    /**
     * Moves past a chosen token.
     *
     * @throws IllegalStateException when the grammar does not allow it here
     */
    public void accept(int token) {
        requireTrie();
        if (ended) throw new IllegalStateException("the grammar has already ended");
        if (trie.isEndOfGeneration(token)) {
            if (!canEnd()) throw new IllegalStateException("end of generation before the grammar is complete");
            ended = true;
            return;
        }
        byte[] piece = trie.piece(token);
        if (piece.length == 0 || !acceptBytes(piece)) {
            throw new IllegalStateException("token " + token + " is not allowed by the grammar here");
        }
    }

    /** Feeds text (for tests and prefill of a known prefix); false, leaving the matcher dead, when the grammar rejects it. */
    public boolean acceptText(String text) {
        return acceptBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Feeds raw bytes (a token's text, possibly part of a UTF-8 character); false, leaving the matcher dead, when rejected. */
    boolean acceptBytes(byte[] bytes) {
        int value = pendingValue;
        int remaining = pendingRemaining;
        int minimum = pendingMinimum;
        State at = state;
        for (byte raw : bytes) {
            int b = raw & 0xFF;
            if (remaining == 0) {
                int length = sequenceLength(b);
                if (length == 0) {
                    at = DEAD;
                } else if (length == 1) {
                    at = advance(at, b);
                } else {
                    remaining = length - 1;
                    value = b & (0x3F >> remaining);
                    minimum = MINIMUM[remaining];
                }
            } else if ((b & 0xC0) != 0x80) {
                at = DEAD;
            } else {
                value = value << 6 | (b & 0x3F);
                if (--remaining == 0) at = value < minimum || value > Character.MAX_CODE_POINT ? DEAD : advance(at, value);
            }
            if (at.dead()) break;
        }
        state = at;
        pendingValue = remaining == 0 ? 0 : value;
        pendingRemaining = remaining;
        pendingMinimum = remaining == 0 ? 0 : minimum;
        return !at.dead() && (remaining == 0 || couldMatch(at, value, remaining, minimum));
    }

    /** The id of the state after one more code point, from the step memory when taken before. */
    private int step(int from, int codePoint) {
        if (codePoint < 0x80) {
            int[] ascii = asciiSteps.get(from);
            int to = ascii[codePoint];
            if (to < 0) ascii[codePoint] = to = idOf(advance(states.get(from), codePoint));
            return to;
        }
        long key = Transitions.key(from, codePoint);
        int to = transitions.get(key);
        if (to < 0) {
            to = idOf(advance(states.get(from), codePoint));
            transitions.put(key, to);
        }
        return to;
    }

    private int idOf(State s) {
        Integer id = stateIds.get(s);
        if (id == null) {
            id = states.size();
            states.add(s);
            stateIds.put(s, id);
            int[] ascii = new int[0x80];
            Arrays.fill(ascii, -1);
            asciiSteps.add(ascii);
        }
        return id;
    }

    private void forgetSteps() {
        stateIds = new HashMap<>();
        states = new ArrayList<>();
        asciiSteps = new ArrayList<>();
        transitions = new Transitions();
    }

    /** The state after one more code point. */
    private State advance(State at, int codePoint) {
        var builder = new StateBuilder();
        for (Frame top : at.tops) {
            if (((Terminal) top.top()).chars().matches(codePoint)) expand(top.next(), builder);
        }
        return builder.build();
    }

    /** Whether a stack could match some character that starts with these UTF-8 bits ({@code remaining} bytes to come). */
    private static boolean couldMatch(State at, int value, int remaining, int minimum) {
        int shift = 6 * remaining;
        int low = Math.max(value << shift, minimum);
        int high = Math.min((value << shift) | ((1 << shift) - 1), Character.MAX_CODE_POINT);
        if (low > high) return false;
        for (Frame top : at.tops) {
            if (((Terminal) top.top()).chars().matchesAnyIn(low, high)) return true;
        }
        return false;
    }

    /** Pushes rule references until every resulting stack has a terminal on top (or is empty). */
    private void expand(Frame stack, StateBuilder into) {
        if (stack == null) {
            into.canEnd = true;
            return;
        }
        if (stack.top() instanceof RuleRef(int rule)) {
            Frame rest = stack.next();
            for (Symbol[] alternative : grammar.rules[rule]) {
                expand(alternative.length == 0 ? rest : new Frame(alternative, 0, rest), into);
            }
        } else {
            into.add(stack);
        }
    }

    private void requireTrie() {
        if (trie == null) throw new IllegalStateException("this matcher has no vocabulary");
    }

    /** Collects stacks without duplicates; most states hold one or two, so a set is made only for more. */
    private static final class StateBuilder {
        private final List<Frame> tops = new ArrayList<>(4);
        private HashSet<Frame> seen;
        boolean canEnd;

        void add(Frame frame) {
            if (seen == null) {
                for (Frame f : tops) {
                    if (f.equals(frame)) return;
                }
                tops.add(frame);
                if (tops.size() > 8) seen = new HashSet<>(tops);
            } else if (seen.add(frame)) {
                tops.add(frame);
            }
        }

        State build() {
            return new State(tops.toArray(new Frame[0]), canEnd);
        }
    }
}
