/*
 * Reading a Parquet sink's directory back in tests: the finished files, and every row in them
 * through parquet's own reader. Test code only.
 */
package dev.longhaul.sinks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.apache.avro.generic.GenericRecord;

final class ParquetFiles {
    private ParquetFiles() {}

    /** The directory's files whose names end in suffix, in name order. */
    static List<Path> named(Path dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            // a file in progress and a journal are hidden (.results-…)
            return files.filter(p -> p.getFileName().toString().replaceFirst("^\\.", "").startsWith("results-")
                    && p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    /** Every row of every finished (.parquet) file, in file order. */
    static List<GenericRecord> rows(Path dir) throws IOException {
        List<GenericRecord> rows = new ArrayList<>();
        for (Path f : named(dir, ParquetFileSink.SUFFIX)) {
            ResultParquet.read(f, rows::add);
        }
        return rows;
    }

    static SinkResult.Key key(GenericRecord row) {
        Object submission = row.get("submissionId");
        return new SinkResult.Key(row.get("jobId").toString(), (Integer) row.get("taskIndex"), submission == null ? "" : submission.toString());
    }
}
