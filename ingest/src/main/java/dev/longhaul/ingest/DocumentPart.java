/*
 * One piece of a document that chunks may not span: a whole file, a stream, or one file of a
 * repository (with its repository-relative path, recorded on its chunks). open() gives the bytes
 * exactly as they are to be sent (already decompressed); the caller closes the stream.
 */
package dev.longhaul.ingest;

import java.io.IOException;
import java.io.InputStream;

/**
 * @param path   repository-relative path with '/' separators, or null outside repositories
 * @param opener opens the bytes; called once per submission
 * @param size   the bytes open() will give when known up front (a plain file), else -1
 */
public record DocumentPart(String path, Opener opener, long size) {

    /** A part whose size is not known until it is read (a stream, a compressed file). */
    public DocumentPart(String path, Opener opener) {
        this(path, opener, -1);
    }

    /** Opens a part's bytes. */
    @FunctionalInterface
    public interface Opener {
        InputStream open() throws IOException;
    }

    public InputStream open() throws IOException {
        return opener.open();
    }
}
