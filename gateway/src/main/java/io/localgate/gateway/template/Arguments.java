package io.localgate.gateway.template;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** The evaluated arguments of a call, filter or test: positional values, then keywords by name. */
record Arguments(List<Object> positional, Map<String, Object> keywords) {

    static final Arguments NONE = new Arguments(List.of(), Map.of());

    int size() {
        return positional.size();
    }

    boolean has(int index, String keyword) {
        return index < positional.size() || keywords.containsKey(keyword);
    }

    /** The argument at {@code index} or named {@code keyword}, else {@code fallback}. */
    Object get(int index, String keyword, Object fallback) {
        if (index < positional.size()) {
            return positional.get(index);
        }
        return keywords.containsKey(keyword) ? keywords.get(keyword) : fallback;
    }

    Object require(int index, String keyword, String function) {
        if (!has(index, keyword)) {
            throw new TemplateException(function + "() missing required argument '" + keyword + "'");
        }
        return get(index, keyword, null);
    }

    /** Arguments without the first {@code count} positional ones. */
    Arguments drop(int count) {
        return new Arguments(positional.subList(Math.min(count, positional.size()), positional.size()), keywords);
    }

    /** Rejects more positional arguments than {@code maxPositional} or keywords not in {@code allowed}. */
    Arguments check(String function, int maxPositional, String... allowed) {
        if (positional.size() > maxPositional) {
            throw new TemplateException(function + "() takes at most " + maxPositional + " argument(s), got "
                    + positional.size());
        }
        Set<String> names = Set.of(allowed);
        for (String keyword : keywords.keySet()) {
            if (!names.contains(keyword)) {
                throw new TemplateException(function + "() got an unexpected keyword argument '" + keyword + "'");
            }
        }
        return this;
    }
}
