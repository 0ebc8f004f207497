/*
 * What a document source may expand to before a single chunk is sent, checked on the client so a
 * mistake (a gzip bomb, a home directory submitted as a repository) fails fast with a clear
 * error; the pipeline checks size and chunk count again on its side, for clients that bypass this
 * library. maxInflationRatio bounds decompressed bytes per compressed byte of a gzip input (real
 * logs compress 5–20×; a bomb reaches 1000×), allowed once at least INFLATION_FLOOR_BYTES came
 * out, so a tiny compressed file is never refused for its ratio alone; maxRepositoryFiles bounds
 * the files a repository sends (and, ten times that or ten times the default when it is lower,
 * the entries walked to find them).
 */
package dev.longhaul.ingest;

public record SourceLimits(long maxDocumentBytes, int maxInflationRatio, int maxRepositoryFiles) {
    public static final int DEFAULT_MAX_INFLATION_RATIO = 200;
    public static final int DEFAULT_MAX_REPOSITORY_FILES = 100_000;
    static final long INFLATION_FLOOR_BYTES = 1 << 20;

    public SourceLimits {
        if (maxDocumentBytes < 1 || maxInflationRatio < 1 || maxRepositoryFiles < 1) {
            throw new IllegalArgumentException("source limits must be positive: " + maxDocumentBytes + " bytes, ratio "
                    + maxInflationRatio + ", " + maxRepositoryFiles + " files");
        }
    }

    /** The document size limit with the default ratio and file count. */
    public static SourceLimits of(long maxDocumentBytes) {
        return new SourceLimits(maxDocumentBytes, DEFAULT_MAX_INFLATION_RATIO, DEFAULT_MAX_REPOSITORY_FILES);
    }
}
