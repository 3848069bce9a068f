package io.localgate.gateway.template;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.RandomAccess;

/**
 * An immutable list: the value of {@code (a, b)} and of the pairs {@code dict.items()} yields. It is
 * a {@link List} everywhere except that it refuses changes and prints as Python prints tuples.
 */
final class Tuple extends AbstractList<Object> implements RandomAccess {

    private final List<Object> items;
    private final boolean literal;

    Tuple(List<?> items) {
        this(items, false);
    }

    private Tuple(List<?> items, boolean literal) {
        this.items = new ArrayList<>(items);
        this.literal = literal;
    }

    /** The value of a {@code (a, b)} literal, which @huggingface/jinja cannot unpack (its pairs from {@code items()} it can). */
    static Tuple literal(List<?> items) {
        return new Tuple(items, true);
    }

    static Tuple of(Object first, Object second) {
        List<Object> pair = new ArrayList<>(2);
        pair.add(first);
        pair.add(second);
        return new Tuple(pair);
    }

    boolean isLiteral() {
        return literal;
    }

    @Override
    public Object get(int index) {
        return items.get(index);
    }

    @Override
    public int size() {
        return items.size();
    }
}
