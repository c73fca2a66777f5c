package io.shardflow.core;

import java.util.Map;

/** Lookups of entries that must be there, such as a named tensor of a bundle: a missing one is a clear error. */
public final class Lookup {
    private Lookup() {}

    public static <K, V> V required(Map<K, V> map, K key) {
        V value = map.get(key);
        if (value == null) {
            throw new IllegalArgumentException("no '" + key + "' among " + map.keySet());
        }
        return value;
    }
}
