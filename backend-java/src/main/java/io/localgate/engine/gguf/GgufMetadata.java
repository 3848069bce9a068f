package io.localgate.engine.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The key/value metadata of a GGUF file, in file order. Values are held as: every integer type as
 * {@code Long}, {@code Float}, {@code Double}, {@code Boolean}, {@code String}; arrays as
 * {@code long[]} (any integer element type), {@code float[]}, {@code double[]}, {@code boolean[]},
 * {@code String[]}, or {@code Object[]} of nested arrays. The typed getters throw
 * {@link GgufException} naming the key when a value is missing or of the wrong type.
 */
public final class GgufMetadata {

    /** A value with the GGUF types it was stored with (the element type matters only for arrays). */
    public record Entry(GgufValueType type, GgufValueType elementType, Object value) {
    }

    private final Map<String, Entry> entries;

    public GgufMetadata(Map<String, Entry> entries) {
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    public Set<String> keys() {
        return entries.keySet();
    }

    public boolean contains(String key) {
        return entries.containsKey(key);
    }

    public Optional<Entry> entry(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    public Optional<String> findString(String key) {
        return find(key, String.class, "a string");
    }

    public String getString(String key) {
        return findString(key).orElseThrow(() -> missing(key));
    }

    public OptionalLong findLong(String key) {
        Optional<Long> value = find(key, Long.class, "an integer");
        return value.map(OptionalLong::of).orElse(OptionalLong.empty());
    }

    public long getLong(String key) {
        return findLong(key).orElseThrow(() -> missing(key));
    }

    /** An integer that must fit in an {@code int}. */
    public Optional<Integer> findInt(String key) {
        OptionalLong value = findLong(key);
        if (value.isEmpty()) return Optional.empty();
        long v = value.getAsLong();
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new GgufException("metadata " + key + " = " + v + " is out of range");
        }
        return Optional.of((int) v);
    }

    public int getInt(String key) {
        return findInt(key).orElseThrow(() -> missing(key));
    }

    /** A float; 64-bit floats and integers are accepted and converted, as writers differ. */
    public Optional<Float> findFloat(String key) {
        Entry entry = entries.get(key);
        if (entry == null) return Optional.empty();
        return switch (entry.value()) {
            case Float f -> Optional.of(f);
            case Double d -> Optional.of(d.floatValue());
            case Long l -> Optional.of(l.floatValue());
            default -> throw wrongType(key, entry, "a number");
        };
    }

    public float getFloat(String key) {
        return findFloat(key).orElseThrow(() -> missing(key));
    }

    public Optional<Boolean> findBoolean(String key) {
        return find(key, Boolean.class, "a boolean");
    }

    public Optional<String[]> findStringArray(String key) {
        return find(key, String[].class, "an array of strings");
    }

    public String[] getStringArray(String key) {
        return findStringArray(key).orElseThrow(() -> missing(key));
    }

    public Optional<float[]> findFloatArray(String key) {
        return find(key, float[].class, "an array of float32");
    }

    public Optional<long[]> findIntegerArray(String key) {
        return find(key, long[].class, "an array of integers");
    }

    private <T> Optional<T> find(String key, Class<T> type, String what) {
        Entry entry = entries.get(key);
        if (entry == null) return Optional.empty();
        if (!type.isInstance(entry.value())) throw wrongType(key, entry, what);
        return Optional.of(type.cast(entry.value()));
    }

    private static GgufException missing(String key) {
        return new GgufException("metadata " + key + " is missing");
    }

    private static GgufException wrongType(String key, Entry entry, String expected) {
        String actual = entry.type() == GgufValueType.ARRAY ? "an array of " + entry.elementType() : entry.type().toString();
        return new GgufException("metadata " + key + " should be " + expected + " but is " + actual);
    }
}
