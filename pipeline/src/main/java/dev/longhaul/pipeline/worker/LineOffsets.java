/*
 * Byte offsets of a document's line starts, kept while the document streams past, in bounded
 * memory: the start of every stride-th line (lines numbered from 1), stride 1 at first; when
 * MAX_ENTRIES are kept, every other one is dropped and the stride doubles. So a span of lines is
 * exact while the document has at most MAX_ENTRIES lines (256 Ki: 2 MiB of offsets), and past
 * that it covers the lines asked for, widened to the nearest kept starts.
 */
package dev.longhaul.pipeline.worker;

final class LineOffsets {
    static final int MAX_ENTRIES = 1 << 18;

    private long[] starts = new long[1024];
    private int size;
    private long stride = 1;
    private long lines;       // lines begun so far
    private long offset;      // bytes seen
    private boolean atLineStart = true;
    private boolean afterCr;  // the last byte was a CR: an LF next is part of its line break

    /** The document's next bytes; a line ends at LF, CRLF or a lone CR, as LogTemplateMiner ends one. */
    void accept(byte[] data) {
        for (int i = 0; i < data.length; i++) {
            byte b = data[i];
            if (afterCr) {
                afterCr = false;
                if (b == '\n') {
                    continue; // the LF of a CRLF: the next line begins after it
                }
            }
            if (atLineStart) {
                begin(offset + i);
                atLineStart = false;
            }
            if (b == '\n' || b == '\r') {
                atLineStart = true;
                afterCr = b == '\r';
            }
        }
        offset += data.length;
    }

    private void begin(long start) {
        lines++;
        if ((lines - 1) % stride != 0) {
            return;
        }
        if (size == starts.length) {
            if (size == MAX_ENTRIES) {
                for (int i = 0; i < size / 2; i++) {
                    starts[i] = starts[2 * i];
                }
                size /= 2;
                stride *= 2;
                if ((lines - 1) % stride != 0) {
                    return;
                }
            } else {
                starts = java.util.Arrays.copyOf(starts, Math.min(MAX_ENTRIES, 2 * starts.length));
            }
        }
        starts[size++] = start;
    }

    /** [start, end) in bytes covering lines first..last (1-based, inclusive), the last newline excluded. */
    long[] span(long first, long last) {
        int from = (int) Math.min(size - 1, (first - 1) / stride);
        long after = (last + stride - 1) / stride;    // index of the first kept line after `last`
        long end = after < size ? starts[(int) after] - 1 : (atLineStart && offset > 0 ? offset - 1 : offset);
        return new long[] {size == 0 ? 0 : starts[Math.max(0, from)], Math.max(end, size == 0 ? 0 : starts[Math.max(0, from)])};
    }
}
