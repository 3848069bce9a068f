package io.localgate.gateway.template;

import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The functions every template can call: {@code range}, {@code namespace}, {@code dict}, {@code raise_exception}, {@code strftime_now}. */
final class Globals {

    /** {@code range()} refuses to build more elements than this. */
    private static final long MAX_RANGE_SIZE = 1_000_000;

    private Globals() {}

    static void install(Scope scope, Clock clock) {
        scope.set("range", (TemplateFunction) Globals::range);
        scope.set("namespace", (TemplateFunction) args -> new Namespace(stringKeys(mappingArgument(args, "namespace"))));
        scope.set("dict", (TemplateFunction) args -> mappingArgument(args, "dict"));
        scope.set("raise_exception", (TemplateFunction) args ->
                { throw TemplateException.raisedByTemplate(Values.toText(args.get(0, "message", ""))); });
        scope.set("strftime_now", (TemplateFunction) args ->
                Strftime.format(ZonedDateTime.now(clock), Methods.string(args.require(0, "format", "strftime_now"))));
    }

    private static Object range(Arguments args) {
        args.check("range", 3);
        long start = args.size() > 1 ? integer(args.positional().get(0)) : 0;
        long stop = integer(args.size() > 1 ? args.positional().get(1) : args.require(0, "stop", "range"));
        long step = args.size() > 2 ? integer(args.positional().get(2)) : 1;
        if (step == 0) {
            throw new TemplateException("range() step must not be zero");
        }
        long size = Math.max(0, (stop - start + step + (step > 0 ? -1 : 1)) / step);
        if (size > MAX_RANGE_SIZE) {
            throw new TemplateException("range() of " + size + " elements is too large");
        }
        List<Object> numbers = new ArrayList<>((int) size);
        for (long i = 0; i < size; i++) {
            numbers.add(start + i * step);
        }
        return numbers;
    }

    /** {@code f(mapping_or_pairs, **kwargs)} as a new dict, the way Python's {@code dict()} builds one. */
    private static Map<Object, Object> mappingArgument(Arguments args, String function) {
        if (args.size() > 1) {
            throw new TemplateException(function + "() takes at most one positional argument");
        }
        Map<Object, Object> entries = new LinkedHashMap<>();
        if (args.size() == 1) {
            switch (args.positional().getFirst()) {
                case Map<?, ?> map -> entries.putAll(map);
                case List<?> pairs -> pairs.forEach(pair -> {
                    List<Object> keyAndValue = Values.iterate(pair);
                    if (keyAndValue.size() != 2) {
                        throw new TemplateException(function + "() needs (key, value) pairs");
                    }
                    entries.put(keyAndValue.get(0), keyAndValue.get(1));
                });
                case null, default -> throw new TemplateException(function + "() cannot read "
                        + Values.typeName(args.positional().getFirst()));
            }
        }
        entries.putAll(args.keywords());
        return entries;
    }

    private static Map<String, Object> stringKeys(Map<Object, Object> entries) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        entries.forEach((key, value) -> attributes.put(Methods.string(key), value));
        return attributes;
    }

    private static long integer(Object value) {
        if (!Values.isIntegral(value)) {
            throw new TemplateException("range() needs integers, got " + Values.typeName(value));
        }
        return Values.toLong(value);
    }
}
