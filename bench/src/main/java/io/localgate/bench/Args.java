package io.localgate.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} options and positional arguments of a bench command; unknown options are errors. */
final class Args {

    private final Map<String, String> options = new HashMap<>();
    private final List<String> positional = new ArrayList<>();
    private final Set<String> used = new HashSet<>();

    Args(List<String> arguments, Set<String> flags) {
        for (int i = 0; i < arguments.size(); i++) {
            String a = arguments.get(i);
            if (!a.startsWith("--")) {
                positional.add(a);
                continue;
            }
            int eq = a.indexOf('=');
            if (eq > 0) {
                options.put(a.substring(2, eq), a.substring(eq + 1));
            } else if (flags.contains(a.substring(2))) {
                options.put(a.substring(2), "true");
            } else {
                if (i + 1 >= arguments.size()) throw new IllegalArgumentException(a + " needs a value");
                options.put(a.substring(2), arguments.get(++i));
            }
        }
    }

    String string(String name, String fallback) {
        used.add(name);
        return options.getOrDefault(name, fallback);
    }

    boolean flag(String name) {
        return Boolean.parseBoolean(string(name, "false"));
    }

    int integer(String name, int fallback) {
        String value = string(name, null);
        if (value == null) return fallback;
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be an integer: " + value);
        }
    }

    /** A comma-separated list. */
    List<String> list(String name, String fallback) {
        String value = string(name, fallback);
        return value == null || value.isBlank() ? List.of() : Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    List<Integer> integers(String name, String fallback) {
        try {
            return list(name, fallback).stream().map(Integer::parseInt).toList();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a comma-separated list of integers");
        }
    }

    List<String> positional() {
        return List.copyOf(positional);
    }

    /** Fails on options that no part of the command asked for (a typo should not silently fall back to a default). */
    void requireAllUsed() {
        var unknown = new ArrayList<>(options.keySet());
        unknown.removeAll(used);
        if (!unknown.isEmpty()) throw new IllegalArgumentException("unknown option(s): --" + String.join(", --", unknown));
    }
}
