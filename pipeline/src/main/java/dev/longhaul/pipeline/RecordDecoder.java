/*
 * Decodes the raw records of one topic inside the topology, instead of in the consumer, so that a
 * record that is not Avro, has a wrong magic byte or an unknown schema id becomes a dead letter
 * (original bytes, topic/partition/offset, reason) rather than a crashed or stuck partition.
 * Forwards Outcome.Decoded for readable records (key: the UTF-8 key) and Outcome.DeadLettered for
 * the rest. Stateless.
 */
package dev.longhaul.pipeline;

import java.util.Optional;

import dev.longhaul.schemas.Topic;
import dev.longhaul.schemas.wire.DeadLetterReason;
import dev.longhaul.schemas.wire.WireFormatException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

final class RecordDecoder<V> implements Processor<byte[], byte[], String, Outcome> {
    private final Topic<String, V> topic;
    private ProcessorContext<String, Outcome> context;

    RecordDecoder(Topic<String, V> topic) {
        this.topic = topic;
    }

    @Override
    public void init(ProcessorContext<String, Outcome> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        DeadLetters.Source source = DeadLetters.Source.of(context.recordMetadata());
        long now = context.currentSystemTimeMs();
        Optional<String> key = DeadLetters.jobId(record.key());
        if (key.isEmpty()) {
            reject(record, source, DeadLetters.badKey(record.key()), now);
            return;
        }
        try {
            V value = topic.values().deserializer().deserialize(topic.name(), record.value());
            if (value == null) {
                throw new WireFormatException(DeadLetterReason.NOT_AVRO, "a null value (tombstone) on " + topic.name());
            }
            context.forward(record.withKey(key.get()).withValue(new Outcome.Decoded<>(value)));
        } catch (SerializationException e) {
            reject(record, source, e, now);
        }
    }

    private void reject(Record<byte[], byte[]> record, DeadLetters.Source source, SerializationException e, long now) {
        Outcome letter = DeadLetters.letter(source, record.key(), record.value(), DeadLetters.reasonOf(e), e.getMessage(), now);
        context.forward(new Record<>((String) null, letter, now));
    }
}
