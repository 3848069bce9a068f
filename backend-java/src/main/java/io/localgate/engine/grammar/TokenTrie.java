package io.localgate.engine.grammar;

import io.localgate.backend.Tokenizer;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * A vocabulary's token texts (the bytes {@code piece(token, false)} gives) as a byte trie, built once per
 * tokenizer. A {@link GrammarMatcher} walks it together with its parser stacks, so the tokens that share a
 * prefix share the work of matching it, and a subtree the grammar rejects is skipped whole.
 *
 * <p>End-of-generation tokens are kept apart (the grammar allows them when it is complete); control tokens
 * and tokens with no text never match. Nodes are numbered breadth first, so a node's children are
 * consecutive nodes; the tokens ending at a node are consecutive entries of {@link #tokens}.
 */
public final class TokenTrie {

    static final int ROOT = 0;

    /** Per node: its first child, how many children, the byte on the edge into it. */
    final int[] firstChild;
    final int[] childCount;
    final byte[] label;
    /** Per node: where its tokens start in {@link #tokens}, and how many. */
    final int[] tokenStart;
    final int[] tokenCount;
    final int[] tokens;
    final int[] endOfGeneration;
    private final byte[][] pieces;
    private final boolean[] isEndOfGeneration;

    private TokenTrie(Tokenizer tokenizer) {
        int vocabSize = tokenizer.vocabSize();
        pieces = new byte[vocabSize][];
        isEndOfGeneration = new boolean[vocabSize];
        int endCount = 0;
        int matchable = 0;
        long totalBytes = 0;
        for (int token = 0; token < vocabSize; token++) {
            if (tokenizer.isEndOfGeneration(token)) {
                isEndOfGeneration[token] = true;
                endCount++;
                pieces[token] = new byte[0];
                continue;
            }
            byte[] piece = tokenizer.isControl(token) ? new byte[0] : tokenizer.piece(token, false);
            pieces[token] = piece;
            if (piece.length > 0 && piece[0] != 0) {
                matchable++;
                totalBytes += piece.length;
            }
        }
        endOfGeneration = new int[endCount];
        Integer[] order = new Integer[matchable];
        for (int token = 0, e = 0, m = 0; token < vocabSize; token++) {
            if (isEndOfGeneration[token]) endOfGeneration[e++] = token;
            else if (pieces[token].length > 0 && pieces[token][0] != 0) order[m++] = token;
        }
        Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(pieces[a], pieces[b]));
        tokens = new int[matchable];
        for (int i = 0; i < matchable; i++) tokens[i] = order[i];

        int capacity = (int) Math.min(Integer.MAX_VALUE - 8, totalBytes + 1);
        int[] first = new int[capacity];
        int[] count = new int[capacity];
        byte[] labels = new byte[capacity];
        int[] start = new int[capacity];
        int[] ending = new int[capacity];
        // breadth first: each queued node is a range [lo, hi) of the sorted tokens sharing `depth` bytes
        int[] lo = new int[capacity];
        int[] hi = new int[capacity];
        int[] depth = new int[capacity];
        int nodes = 1;
        lo[0] = 0;
        hi[0] = matchable;
        for (int node = 0; node < nodes; node++) {
            int i = lo[node];
            int d = depth[node];
            start[node] = i;
            while (i < hi[node] && pieces[tokens[i]].length == d) i++;
            ending[node] = i - start[node];
            first[node] = nodes;
            while (i < hi[node]) {
                byte b = pieces[tokens[i]][d];
                int j = i;
                while (j < hi[node] && pieces[tokens[j]][d] == b) j++;
                labels[nodes] = b;
                lo[nodes] = i;
                hi[nodes] = j;
                depth[nodes] = d + 1;
                nodes++;
                i = j;
            }
            count[node] = nodes - first[node];
        }
        firstChild = Arrays.copyOf(first, nodes);
        childCount = Arrays.copyOf(count, nodes);
        label = Arrays.copyOf(labels, nodes);
        tokenStart = Arrays.copyOf(start, nodes);
        tokenCount = Arrays.copyOf(ending, nodes);
    }

    /** Builds the trie of a tokenizer's vocabulary (a one-time cost proportional to the vocabulary's bytes). */
    public static TokenTrie of(Tokenizer tokenizer) {
        return new TokenTrie(tokenizer);
    }

    /** The trie of a tokenizer, built on first use and then kept: what a model holds for its grammar requests. */
    public static Supplier<TokenTrie> lazy(Tokenizer tokenizer) {
        return new Supplier<>() {
            private TokenTrie trie;

            @Override
            public synchronized TokenTrie get() {
                if (trie == null) trie = new TokenTrie(tokenizer);
                return trie;
            }
        };
    }

    public int vocabSize() {
        return pieces.length;
    }

    /** Trie nodes, the root included. */
    public int nodeCount() {
        return firstChild.length;
    }

    byte[] piece(int token) {
        return pieces[token];
    }

    boolean isEndOfGeneration(int token) {
        return isEndOfGeneration[token];
    }
}
