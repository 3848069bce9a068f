package io.localgate.engine.grammar;

/**
 * One parser stack of the matcher as an immutable linked list: the position {@code sequence[index]} to match
 * next, and below it where to go on once this sequence is done. Stacks share their tails, so pushing and
 * popping cost one small object; equality is structural (hash cached) so that equal stacks merge.
 */
final class Frame {

    final Symbol[] sequence;
    final int index;
    /** Null: the bottom (after it, the grammar is complete). */
    final Frame parent;
    private final int hash;

    Frame(Symbol[] sequence, int index, Frame parent) {
        this.sequence = sequence;
        this.index = index;
        this.parent = parent;
        this.hash = 31 * (31 * System.identityHashCode(sequence) + index) + (parent == null ? 0 : parent.hash);
    }

    Symbol top() {
        return sequence[index];
    }

    /** The stack after the top symbol is matched: the next symbol of its sequence, or the parent's. */
    Frame next() {
        return index + 1 < sequence.length ? new Frame(sequence, index + 1, parent) : parent;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof Frame other) || other.hash != hash) return false;
        Frame a = this;
        Frame b = other;
        while (a != null && b != null) {
            if (a == b) return true;
            if (a.sequence != b.sequence || a.index != b.index) return false;
            a = a.parent;
            b = b.parent;
        }
        return a == b;
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
