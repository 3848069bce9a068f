package io.localgate.gateway.template;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code namespace(...)} object: the one value whose attributes a template may assign
 * ({@code {% set ns.found = true %}}), which is how state escapes a loop body. Lives for one render.
 */
final class Namespace {

    private final Map<String, Object> attributes;

    Namespace(Map<String, Object> attributes) {
        this.attributes = new LinkedHashMap<>(attributes);
    }

    Object get(String name) {
        return attributes.containsKey(name) ? attributes.get(name) : Undefined.attribute(this, name);
    }

    void set(String name, Object value) {
        attributes.put(name, value);
    }

    Map<String, Object> attributes() {
        return attributes;
    }
}
