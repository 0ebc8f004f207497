/*
 * A Kafka topic with the serdes of its keys and values: the typed catalog entry every producer,
 * consumer and Streams topology uses, so a topic can never be read with the wrong types.
 */
package dev.longhaul.schemas;

import org.apache.kafka.common.serialization.Serde;

public record Topic<K, V>(String name, Serde<K> keys, Serde<V> values) {}
