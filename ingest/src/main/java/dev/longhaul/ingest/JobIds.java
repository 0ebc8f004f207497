/*
 * Job ids: generated ones are ULIDs (48-bit Unix milliseconds, then 80 random bits, in Crockford
 * base32, 26 characters), so ids sort by submission time as text and in tools that list keys;
 * given ones are checked against a conservative alphabet so they are safe as Kafka keys, file
 * names and URL path segments. Thread-safe.
 */
package dev.longhaul.ingest;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.regex.Pattern;

public final class JobIds {
    private static final char[] CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private JobIds() {}

    /** A new ULID for the current time. */
    public static String next() {
        return next(Clock.systemUTC().millis(), RANDOM);
    }

    static String next(long millis, java.util.Random random) {
        char[] out = new char[26];
        // 10 characters of time: 50 bits, the top 2 always zero for 48-bit millis.
        long time = millis;
        for (int i = 9; i >= 0; i--) {
            out[i] = CROCKFORD[(int) (time & 31)];
            time >>>= 5;
        }
        // 16 characters of randomness: 80 bits, taken 5 at a time.
        long high = random.nextLong();
        long low = random.nextInt() & 0xFFFFL;
        for (int i = 10; i < 26; i++) {
            int shift = (25 - i) * 5;
            int value;
            if (shift >= 16) {
                value = (int) ((high >>> (shift - 16)) & 31);
            } else {
                value = (int) ((((high << (16 - shift)) | (low >>> shift)) & 31));
            }
            out[i] = CROCKFORD[value];
        }
        return new String(out);
    }

    /** {@code id} unchanged when it is a usable job id, else an IllegalArgumentException saying why. */
    public static String requireValid(String id) {
        if (id == null || !VALID.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid job id '" + id
                    + "': 1 to 128 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit");
        }
        return id;
    }
}
