/*
 * Test schemas: the real JobRequest record, and a small "Probe" record family whose members differ
 * only in fields that carry defaults, so that any of them may follow any other under BACKWARD.
 */
package dev.longhaul.ops.registry;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.longhaul.schemas.DocumentDescriptor;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;

final class RegistrySchemas {
    private RegistrySchemas() {
    }

    static JobRequest jobRequest(String jobId) {
        return JobRequest.newBuilder()
                .setJobId(jobId)
                .setTenant("acme")
                .setKind(DocumentKind.CONTRACT)
                .setTasks(List.of(Task.newBuilder().setType(TaskType.EXTRACT).setFields(List.of("parties", "term")).build()))
                .setPriority(3)
                .setDeadline(Instant.ofEpochMilli(1_767_229_200_123L))
                .setDocument(DocumentDescriptor.newBuilder().setChunkCount(2).setBytes(600_000L)
                        .setSha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
                        .setMediaType("application/pdf").build())
                .setMetadata(Map.of("file", "msa.pdf"))
                .setSubmittedAt(Instant.ofEpochMilli(1_767_225_600_123L))
                .build();
    }

    /** JobRequest's current schema plus one field, with or without a default. */
    static Schema jobRequestWithExtraField(boolean withDefault) {
        Schema current = JobRequest.getClassSchema();
        List<Schema.Field> fields = new java.util.ArrayList<>();
        for (Schema.Field f : current.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(withDefault
                ? new Schema.Field("costCenter", Schema.create(Schema.Type.STRING), "Billing reference.", "")
                : new Schema.Field("costCenter", Schema.create(Schema.Type.STRING), "Billing reference."));
        return Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
    }

    /** Probe number {@code n}: a record with fields f1..fn, each an int defaulting to 0. */
    static Schema probe(int n) {
        SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record("Probe").namespace("dev.longhaul.test").fields();
        for (int i = 1; i <= n; i++) {
            fields = fields.name("f" + i).type().intType().intDefault(0);
        }
        return fields.endRecord();
    }
}
