package io.localgate.gateway.template;

import java.util.HashMap;
import java.util.Map;

/**
 * Variables visible at one point of a render. Loop iterations and macro calls get a child scope, so
 * their {@code set}s stay inside (Jinja's rule); {@code if} blocks share their parent's.
 */
final class Scope {

    private final Scope parent;
    private final Map<String, Object> variables = new HashMap<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    Scope child() {
        return new Scope(this);
    }

    /** The innermost binding of {@code name}, or an undefined value naming it. */
    Object lookup(String name) {
        for (Scope scope = this; scope != null; scope = scope.parent) {
            if (scope.variables.containsKey(name)) {
                return scope.variables.get(name);
            }
        }
        return Undefined.variable(name);
    }

    void set(String name, Object value) {
        variables.put(name, value);
    }
}
