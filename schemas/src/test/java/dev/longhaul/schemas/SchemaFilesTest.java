/*
 * The .avsc files are the contract: each parses, declares the project namespace, documents itself
 * and every field and enum it defines, and is exactly the schema the generated class carries (so the
 * jar's avro/ texts and the classes cannot drift apart).
 */
package dev.longhaul.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

class SchemaFilesTest {
    /** Resource path -> generated class; shared types first, since later files refer to them by name. */
    private static final Map<String, Class<?>> FILES = new LinkedHashMap<>();

    static {
        FILES.put("avro/common/Usage.avsc", Usage.class);
        FILES.put("avro/common/Timings.avsc", Timings.class);
        FILES.put("avro/common/ModelIdentity.avsc", ModelIdentity.class);
        FILES.put("avro/JobRequest.avsc", JobRequest.class);
        FILES.put("avro/DocumentChunk.avsc", DocumentChunk.class);
        FILES.put("avro/WorkOrder.avsc", WorkOrder.class);
        FILES.put("avro/JobStatus.avsc", JobStatus.class);
        FILES.put("avro/Summary.avsc", Summary.class);
        FILES.put("avro/Extraction.avsc", Extraction.class);
        FILES.put("avro/Control.avsc", Control.class);
        FILES.put("avro/WorkerHeartbeat.avsc", WorkerHeartbeat.class);
        FILES.put("avro/DeadLetter.avsc", DeadLetter.class);
    }

    private static Map<String, Schema> parseAll() throws IOException {
        Schema.Parser parser = new Schema.Parser();
        Map<String, Schema> parsed = new LinkedHashMap<>();
        for (String file : FILES.keySet()) {
            try (InputStream in = SchemaFilesTest.class.getClassLoader().getResourceAsStream(file)) {
                assertNotNull(in, file + " is not on the class path");
                parsed.put(file, parser.parse(in));
            }
        }
        return parsed;
    }

    @Test
    void everyFileParsesAndMatchesItsGeneratedClass() throws IOException {
        // given the schema texts as shipped in the jar, when parsed in dependency order
        Map<String, Schema> parsed = parseAll();
        // then each is the schema compiled into its class, in the project namespace
        for (var entry : parsed.entrySet()) {
            Schema fromFile = entry.getValue();
            Schema fromClass = SpecificData.get().getSchema(FILES.get(entry.getKey()));
            assertEquals("dev.longhaul.schemas", fromFile.getNamespace(), entry.getKey());
            assertEquals(fromFile.toString(), withoutJavaStringHints(fromClass.toString()),
                    entry.getKey() + " differs from the generated class");
        }
    }

    /** Generated schemas carry the compiler's stringType hint on every string; the files do not. */
    private static String withoutJavaStringHints(String schemaJson) {
        return schemaJson.replace("{\"type\":\"string\",\"avro.java.string\":\"String\"}", "\"string\"")
                .replace(",\"avro.java.string\":\"String\"", "");
    }

    @Test
    void everyTypeAndFieldIsDocumented() throws IOException {
        List<String> undocumented = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Schema schema : parseAll().values()) {
            collectUndocumented(schema, seen, undocumented);
        }
        assertTrue(undocumented.isEmpty(), "missing \"doc\": " + undocumented);
        assertTrue(seen.size() >= FILES.size(), "walked only " + seen);
    }

    private static void collectUndocumented(Schema schema, Set<String> seen, List<String> undocumented) {
        switch (schema.getType()) {
            case RECORD -> {
                if (!seen.add(schema.getFullName())) return;
                if (blank(schema.getDoc())) undocumented.add(schema.getFullName());
                for (Schema.Field field : schema.getFields()) {
                    if (blank(field.doc())) undocumented.add(schema.getFullName() + "." + field.name());
                    collectUndocumented(field.schema(), seen, undocumented);
                }
            }
            case ENUM -> {
                if (seen.add(schema.getFullName()) && blank(schema.getDoc())) undocumented.add(schema.getFullName());
            }
            case ARRAY -> collectUndocumented(schema.getElementType(), seen, undocumented);
            case MAP -> collectUndocumented(schema.getValueType(), seen, undocumented);
            case UNION -> schema.getTypes().forEach(branch -> collectUndocumented(branch, seen, undocumented));
            default -> { }
        }
    }

    private static boolean blank(String doc) {
        return doc == null || doc.isBlank();
    }
}
