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

    Tuple(List<?> items) {
        this.items = new ArrayList<>(items);
    }

    static Tuple of(Object first, Object second) {
        List<Object> pair = new ArrayList<>(2);
        pair.add(first);
        pair.add(second);
        return new Tuple(pair);
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
