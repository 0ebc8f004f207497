/*
 * The Parquet form of a result: one row per result in flat columns, made from the object the JSON
 * Lines sink writes (ResultJson.node), so a Parquet file holds what the JSONL sink would have written,
 * column by column:
 *   kind, jobId, taskIndex, text (summaries; null otherwise), json (extractions: the JSON text as the
 *   JSONL line holds it; null otherwise), promptTokens, outputTokens, documentTokens,
 *   documentShareRead, queuedMs, runningMs, endToEndMs, modelName, modelBackend, modelWeightsDtype,
 *   spans (extractions: a standard 3-level LIST of {start, end, label}; null for summaries).
 * Snappy-compressed, which Spark, DuckDB and pyarrow all read.
 *
 * No Hadoop at run time: files go through java.nio (LocalOutputFile, LocalInputFile) with a
 * PlainParquetConfiguration; the Avro data model is given explicitly (parquet-avro would otherwise
 * build a Hadoop Configuration to look it up); and Snappy runs through snappy-java directly
 * (SnappyCodecs), because parquet's own CodecFactory reaches Snappy through Hadoop's codec classes.
 */
package dev.longhaul.sinks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.xerial.snappy.Snappy;

public final class ResultParquet {
    private static final Schema SPAN = SchemaBuilder.record("Span").namespace("dev.longhaul.sinks").fields()
            .requiredLong("start").requiredLong("end").requiredString("label").endRecord();

    /** The row schema (as Avro; parquet-avro maps it to the Parquet schema in the files). */
    public static final Schema SCHEMA = SchemaBuilder.record("Result").namespace("dev.longhaul.sinks")
            .doc("One summary or extraction, as the Longhaul file sink writes it").fields()
            .requiredString("kind").requiredString("jobId").requiredInt("taskIndex")
            .optionalString("text").optionalString("digest").optionalString("json").optionalString("analysis")
            .requiredLong("promptTokens").requiredLong("outputTokens").requiredLong("documentTokens")
            .requiredDouble("documentShareRead")
            .requiredLong("queuedMs").requiredLong("runningMs").requiredLong("endToEndMs")
            .requiredString("modelName").requiredString("modelBackend").requiredString("modelWeightsDtype")
            .name("spans").type().optional().array().items(SPAN)
            .optionalString("submissionId")
            .endRecord();

    /** Only the key columns: what a restarted sink reads back from its finished files. */
    static final Schema KEY_PROJECTION = SchemaBuilder.record("Result").namespace("dev.longhaul.sinks").fields()
            .requiredString("jobId").requiredInt("taskIndex").optionalString("submissionId").endRecord();
    /** The key columns of a file written before results named their submission. */
    static final Schema KEY_PROJECTION_BEFORE_SUBMISSIONS = SchemaBuilder.record("Result").namespace("dev.longhaul.sinks").fields()
            .requiredString("jobId").requiredInt("taskIndex").endRecord();

    private ResultParquet() {}

    /** The row of a result, from the object ResultJson.node made of it (or a parsed JSONL line). */
    public static GenericRecord row(JsonNode line) {
        GenericRecord row = new GenericData.Record(SCHEMA);
        row.put("kind", line.get("kind").asText());
        row.put("jobId", line.get("jobId").asText());
        row.put("taskIndex", line.get("taskIndex").asInt());
        row.put("text", line.hasNonNull("text") ? line.get("text").asText() : null);
        row.put("digest", line.hasNonNull("digest") ? line.get("digest").asText() : null);
        JsonNode json = line.get("json");
        row.put("json", json == null ? null : json.isTextual() ? json.asText() : ResultJson.write(json));
        JsonNode analysis = line.get("analysis");
        row.put("analysis", analysis == null ? null : analysis.isTextual() ? analysis.asText() : ResultJson.write(analysis));
        for (String f : List.of("promptTokens", "outputTokens", "documentTokens")) {
            row.put(f, line.path("usage").path(f).asLong());
        }
        row.put("documentShareRead", line.path("usage").path("documentShareRead").asDouble());
        for (String f : List.of("queuedMs", "runningMs", "endToEndMs")) {
            row.put(f, line.path("timings").path(f).asLong());
        }
        row.put("modelName", line.path("model").path("name").asText());
        row.put("modelBackend", line.path("model").path("backend").asText());
        row.put("modelWeightsDtype", line.path("model").path("weightsDtype").asText());
        row.put("spans", line.has("spans") ? spans(line.get("spans")) : null);
        row.put("submissionId", line.path("submissionId").asText(""));
        return row;
    }

    /**
     * A writer of a new file (refused when it exists). Row groups are flushed at rowGroupBytes; the
     * writer's getDataSize() counts flushed and buffered bytes, which is what the sink rotates on.
     */
    static ParquetWriter<GenericRecord> writer(Path file, long rowGroupBytes) throws IOException {
        return AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                .withConf(conf())
                .withSchema(SCHEMA)
                .withDataModel(GenericData.get())
                .withCodecFactory(SnappyCodecs.INSTANCE)
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withRowGroupSize(rowGroupBytes)
                .build();
    }

    /** Whether the file's Parquet schema has a top-level column of this name. */
    static boolean hasColumn(Path file, String name) throws IOException {
        ParquetReadOptions options = ParquetReadOptions.builder(conf()).withCodecFactory(SnappyCodecs.INSTANCE).build();
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file), options)) {
            return reader.getFileMetaData().getSchema().containsField(name);
        }
    }

    /** Hands every row of a file, every column, to each in file order. */
    public static void read(Path file, Consumer<GenericRecord> each) throws IOException {
        read(file, SCHEMA, each);
    }

    /**
     * As above, only the columns of projection (a subset of SCHEMA's fields). Rows are read with
     * parquet's file reader and the Avro materializer, as ParquetReader would, because ParquetReader
     * itself loads Hadoop classes.
     */
    public static void read(Path file, Schema projection, Consumer<GenericRecord> each) throws IOException {
        PlainParquetConfiguration conf = conf();
        conf.set(AvroReadSupport.AVRO_REQUESTED_PROJECTION, projection.toString());
        ParquetReadOptions options = ParquetReadOptions.builder(conf).withCodecFactory(SnappyCodecs.INSTANCE).build();
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file), options)) {
            FileMetaData meta = reader.getFileMetaData();
            AvroReadSupport<GenericRecord> support = new AvroReadSupport<>(GenericData.get());
            ReadSupport.ReadContext context = support.init(conf, meta.getKeyValueMetaData(), meta.getSchema());
            RecordMaterializer<GenericRecord> rows = support.prepareForRead(conf, meta.getKeyValueMetaData(), meta.getSchema(), context);
            reader.setRequestedSchema(context.getRequestedSchema());
            MessageColumnIO columns = new ColumnIOFactory(meta.getCreatedBy()).getColumnIO(context.getRequestedSchema(), meta.getSchema());
            for (PageReadStore group; (group = reader.readNextRowGroup()) != null; ) {
                RecordReader<GenericRecord> records = columns.getRecordReader(group, rows);
                for (long i = 0; i < group.getRowCount(); i++) {
                    each.accept(records.read());
                }
            }
        }
    }

    /** Lists in the standard 3-level form, for the writer and for the reader's projection alike. */
    private static PlainParquetConfiguration conf() {
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        conf.set(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, "false");
        return conf;
    }

    private static List<GenericRecord> spans(JsonNode spans) {
        List<GenericRecord> out = new ArrayList<>();
        for (JsonNode s : spans) {
            GenericRecord span = new GenericData.Record(SPAN);
            span.put("start", s.get("start").asLong());
            span.put("end", s.get("end").asLong());
            span.put("label", s.get("label").asText());
            out.add(span);
        }
        return out;
    }

    /** Snappy (and uncompressed pages, for reading) through snappy-java, without Hadoop's codecs. */
    static final class SnappyCodecs implements CompressionCodecFactory {
        static final SnappyCodecs INSTANCE = new SnappyCodecs();

        private static final BytesInputCompressor COMPRESSOR = new BytesInputCompressor() {
            @Override
            public BytesInput compress(BytesInput bytes) throws IOException {
                return BytesInput.from(Snappy.compress(bytes.toByteArray()));
            }

            @Override
            public CompressionCodecName getCodecName() {
                return CompressionCodecName.SNAPPY;
            }

            @Override
            public void release() {}
        };

        private static final BytesInputDecompressor DECOMPRESSOR = new BytesInputDecompressor() {
            @Override
            public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
                byte[] out = Snappy.uncompress(bytes.toByteArray());
                if (out.length != uncompressedSize) {
                    throw new IOException("a Snappy page inflated to " + out.length + " bytes, its header says " + uncompressedSize);
                }
                return BytesInput.from(out);
            }

            @Override
            public void decompress(ByteBuffer in, int compressedSize, ByteBuffer out, int uncompressedSize) throws IOException {
                byte[] compressed = new byte[compressedSize];
                in.get(compressed);
                out.put(decompress(BytesInput.from(compressed), uncompressedSize).toByteArray());
            }

            @Override
            public void release() {}
        };

        private static final BytesInputDecompressor IDENTITY = new BytesInputDecompressor() {
            @Override
            public BytesInput decompress(BytesInput bytes, int uncompressedSize) {
                return bytes;
            }

            @Override
            public void decompress(ByteBuffer in, int compressedSize, ByteBuffer out, int uncompressedSize) {
                out.put(in.slice(in.position(), compressedSize));
                in.position(in.position() + compressedSize);
            }

            @Override
            public void release() {}
        };

        @Override
        public BytesInputCompressor getCompressor(CompressionCodecName codec) {
            if (codec != CompressionCodecName.SNAPPY) {
                throw new IllegalArgumentException("the file sink writes Snappy only, not " + codec);
            }
            return COMPRESSOR;
        }

        @Override
        public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
            return switch (codec) {
                case SNAPPY -> DECOMPRESSOR;
                case UNCOMPRESSED -> IDENTITY;
                default -> throw new IllegalArgumentException("cannot read " + codec + " pages without Hadoop; the file sink writes Snappy");
            };
        }

        @Override
        public void release() {}
    }
}
