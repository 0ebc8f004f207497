/*
 * The compiled form of a JSON Schema: the shape of the one canonical, whitespace-free JSON text a
 * constrained output may take. Objects write their properties in schema order, each key once; a
 * property not required may be left out. Every shape knows the length in bytes of its shortest
 * value, from which the automaton (Frame) derives the shortest way to close any prefix. Shapes are
 * immutable and compared by identity: a grammar builds each one once.
 */
package dev.longhaul.engine.constrain;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

sealed interface Shape permits Shape.Obj, Shape.Str, Shape.Num, Shape.Literals, Shape.Arr {
    /** Unbounded maxLength / maxItems. */
    int UNBOUNDED = Integer.MAX_VALUE;
    /** Properties of an object and values of an enum are tracked in a 64-bit set. */
    int MAX_ALTERNATIVES = 64;

    /** Bytes of the shortest value of this shape; UNBOUNDED when that does not fit an int. */
    int minLength();

    /** A length that does not fit an int reads as UNBOUNDED, never as a wrapped small or negative number. */
    static int saturated(long length) {
        return (int) Math.min(length, UNBOUNDED);
    }

    /** A property of an object: its key as written, `"name":`, and the shape of its value. */
    record Property(String name, Shape value, boolean required) {
        byte[] key() {
            return (Literals.quote(name) + ":").getBytes(StandardCharsets.UTF_8);
        }
    }

    /** An object whose properties come in the listed order; the optional ones may be skipped. */
    final class Obj implements Shape {
        final Property[] properties;
        final byte[][] keys;       // [property] `"name":` in UTF-8
        /** tail[i + 1]: shortest bytes from just after property i's value (i = −1: after '{') to '}' inclusive. */
        final int[] tail;

        Obj(List<Property> properties) {
            if (properties.size() > MAX_ALTERNATIVES) {
                throw new IllegalArgumentException("an object may have at most " + MAX_ALTERNATIVES + " properties");
            }
            this.properties = properties.toArray(Property[]::new);
            int n = this.properties.length;
            keys = new byte[n][];
            for (int i = 0; i < n; i++) {
                keys[i] = this.properties[i].key();
            }
            tail = new int[n + 1];
            // Going backwards: from after value i, the cheapest close writes every later required property.
            long sum = 0;
            int count = 0;
            for (int i = n - 1; i >= -1; i--) {
                tail[i + 1] = count == 0 ? 1 : saturated(sum + (i >= 0 ? count : count - 1) + 1);
                if (i >= 0 && this.properties[i].required()) {
                    sum += (long) keys[i].length + this.properties[i].value().minLength(); // long: minLength saturates at int max
                    count++;
                }
            }
        }

        /** Which properties may come after property i (−1: first): up to and including the next required one. */
        long candidatesAfter(int i) {
            long set = 0;
            for (int j = i + 1; j < properties.length; j++) {
                set |= 1L << j;
                if (properties[j].required()) {
                    break;
                }
            }
            return set;
        }

        /** Whether '}' may follow property i (−1: right after '{'): no required property is left. */
        boolean mayCloseAfter(int i) {
            for (int j = i + 1; j < properties.length; j++) {
                if (properties[j].required()) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int minLength() {
            return saturated(1L + tail[0]);
        }
    }

    /** A string of minLength to maxLength characters (code points); escapes count as one. */
    record Str(int minChars, int maxChars) implements Shape {
        public Str {
            if (minChars < 0 || maxChars < minChars) {
                throw new IllegalArgumentException("string length bounds [" + minChars + ", " + maxChars + "] are empty");
            }
        }

        @Override
        public int minLength() {
            return saturated(2L + minChars);
        }

        @Override
        public boolean equals(Object o) {
            return this == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    /**
     * A JSON number, or an integer (no fraction, no exponent). Digits are capped (Frame) so that
     * every value reads back exactly as a long or a double.
     */
    record Num(boolean integer) implements Shape {
        @Override
        public int minLength() {
            return 1;
        }

        @Override
        public boolean equals(Object o) {
            return this == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    /**
     * One of a few fixed JSON texts: enum or const strings, true/false, null. Such texts are
     * prefix-free (a string ends at its closing quote), so a match is known at its last byte.
     */
    final class Literals implements Shape {
        final byte[][] texts;
        private final int min;

        Literals(List<String> jsonTexts) {
            if (jsonTexts.isEmpty() || jsonTexts.size() > MAX_ALTERNATIVES) {
                throw new IllegalArgumentException("an enum needs 1 to " + MAX_ALTERNATIVES + " values, has " + jsonTexts.size());
            }
            texts = jsonTexts.stream().distinct().map(t -> t.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
            int shortest = Integer.MAX_VALUE;
            for (byte[] t : texts) {
                shortest = Math.min(shortest, t.length);
            }
            min = shortest;
        }

        /** The JSON string literal of s, escaped as Jackson would write it. */
        static String quote(String s) {
            StringBuilder out = new StringBuilder(s.length() + 2).append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    case '\b' -> out.append("\\b");
                    case '\f' -> out.append("\\f");
                    default -> {
                        if (c < 0x20) {
                            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else if (Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < s.length()
                                && Character.isLowSurrogate(s.charAt(i + 1)) || Character.isLowSurrogate(c) && i > 0
                                && Character.isHighSurrogate(s.charAt(i - 1)))) {
                            // no UTF-8 for it: written out it would be '?', a text the schema does not name
                            throw new IllegalArgumentException("the schema's text " + s.replace(c, '?')
                                    + " holds an unpaired surrogate (\\u" + Integer.toHexString(c) + "), which no JSON text can carry");
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
            return out.append('"').toString();
        }

        @Override
        public int minLength() {
            return min;
        }
    }

    /** An array of minItems to maxItems values of one shape. */
    final class Arr implements Shape {
        final Shape items;
        final int minItems;
        final int maxItems;

        Arr(Shape items, int minItems, int maxItems) {
            if (minItems < 0 || maxItems < minItems) {
                throw new IllegalArgumentException("array length bounds [" + minItems + ", " + maxItems + "] are empty");
            }
            this.items = items;
            this.minItems = minItems;
            this.maxItems = maxItems;
        }

        @Override
        public int minLength() {
            return minItems == 0 ? 2 : saturated(2L + (long) minItems * items.minLength() + minItems - 1);
        }
    }
}
