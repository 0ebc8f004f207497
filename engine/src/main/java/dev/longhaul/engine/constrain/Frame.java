/*
 * The pushdown automaton over bytes that a Shape defines. A Frame is the top of the stack: where
 * the output is inside the current value, with `next`, the continuation to take once that value is
 * complete (the object or array around it, already advanced past it, or Done at the root). Frames
 * are immutable values: feeding a byte gives a new frame (null when the byte is not allowed), so a
 * state can be shared, compared and used as a cache key. closeCost() is the exact length of the
 * shortest byte sequence that completes the whole document from here, so some byte always lowers
 * it by one: that is the forced path a nearly spent token budget follows. Strings accept any UTF-8
 * (well-formed sequences only) and the escapes of RFC 8259, except \\u escapes of surrogates.
 */
package dev.longhaul.engine.constrain;

sealed interface Frame permits Frame.Done, Frame.Lit, Frame.Text, Frame.Number, Frame.Members, Frame.Items {
    /** Digits kept in a number: an integer part that fits a long, a fraction and exponent a double reads exactly. */
    int INT_DIGITS = 15;
    int FRACTION_DIGITS = 9;
    int EXPONENT_DIGITS = 2;

    /** The state after byte b (0..255), or null when b may not come here. */
    Frame feed(int b);

    /** Bytes of the shortest completion of the document from this state. */
    int closeCost();

    /**
     * Whether the document may end here. Inside a literal, string, object or array it never may;
     * only Done, and a number (it has no closing byte) whose continuation may end, answer otherwise.
     */
    default boolean mayEnd() {
        return false;
    }

    /** Whether the document is complete and nothing may follow (false for every open value). */
    default boolean done() {
        return false;
    }

    /**
     * An equal-behaving state for mask caching: counters that no token of at most `longest` bytes
     * can tell apart are normalized, so long strings and arrays reuse one mask.
     */
    Frame key(int longest);

    /** The state expecting the first byte of a value of `shape`, continuing with `next`. */
    static Frame start(Shape shape, Frame next) {
        return switch (shape) {
            case Shape.Obj o -> new Members(o, Members.OPEN, -1, 0, 0L, next);
            case Shape.Str s -> new Text(s, Text.OPEN, 0, 0, 0, 0, next);
            case Shape.Num n -> new Number(n.integer(), Number.START, 0, next);
            case Shape.Literals l -> new Lit(l, 0, l.texts.length == 64 ? -1L : (1L << l.texts.length) - 1, next);
            case Shape.Arr a -> new Items(a, Items.OPEN, 0, next);
        };
    }

    /** The document is complete. */
    record Done() implements Frame {
        static final Done INSTANCE = new Done();

        public Frame feed(int b) {
            return null;
        }

        public int closeCost() {
            return 0;
        }

        public boolean mayEnd() {
            return true;
        }

        public boolean done() {
            return true;
        }

        public Frame key(int longest) {
            return this;
        }
    }

    /** Inside one of a few fixed texts: `matched` bytes read, `alive` the texts still possible. */
    record Lit(Shape.Literals shape, int matched, long alive, Frame next) implements Frame {
        public Frame feed(int b) {
            long still = 0;
            for (int i = 0; i < shape.texts.length; i++) {
                byte[] t = shape.texts[i];
                if ((alive & 1L << i) != 0 && (t[matched] & 0xFF) == b) {
                    if (t.length == matched + 1) {
                        return next; // texts are prefix-free: no other one is still alive
                    }
                    still |= 1L << i;
                }
            }
            return still == 0 ? null : new Lit(shape, matched + 1, still, next);
        }

        public int closeCost() {
            int best = Integer.MAX_VALUE;
            for (int i = 0; i < shape.texts.length; i++) {
                if ((alive & 1L << i) != 0) {
                    best = Math.min(best, shape.texts[i].length - matched);
                }
            }
            return Shape.saturated((long) best + next.closeCost());
        }

        public Frame key(int longest) {
            return new Lit(shape, matched, alive, next.key(longest));
        }
    }

    /**
     * A string: `count` characters begun so far; inside an escape or a UTF-8 sequence `need` more
     * bytes, the next one in [lo, hi] (for \\u: lo = 1 after a leading 'd', which bars surrogates).
     */
    record Text(Shape.Str shape, int phase, int count, int need, int lo, int hi, Frame next) implements Frame {
        static final int OPEN = 0;
        static final int BODY = 1;
        static final int ESCAPE = 2;
        static final int HEX = 3;
        static final int UTF8 = 4;

        public Frame feed(int b) {
            return switch (phase) {
                case OPEN -> b == '"' ? at(BODY, 0, 0, 0, 0) : null;
                case BODY -> body(b);
                case ESCAPE -> b == 'u' ? at(HEX, count, 4, 0, 0)
                        : "\"\\/bfnrt".indexOf(b) >= 0 ? at(BODY, count, 0, 0, 0) : null;
                case HEX -> hex(b);
                default -> b >= lo && b <= hi ? (need == 1 ? at(BODY, count, 0, 0, 0) : at(UTF8, count, need - 1, 0x80, 0xBF)) : null;
            };
        }

        private Frame body(int b) {
            if (b == '"') {
                return count >= shape.minChars() ? next : null;
            }
            if (count >= shape.maxChars()) {
                return null;
            }
            int c = count + 1;
            if (b == '\\') {
                return at(ESCAPE, c, 0, 0, 0);
            }
            if (b >= 0x20 && b <= 0x7F) {
                return at(BODY, c, 0, 0, 0);
            }
            // UTF-8 lead bytes with the range RFC 3629 allows for the byte after them
            if (b >= 0xC2 && b <= 0xDF) {
                return at(UTF8, c, 1, 0x80, 0xBF);
            }
            if (b >= 0xE0 && b <= 0xEF) {
                return at(UTF8, c, 2, b == 0xE0 ? 0xA0 : 0x80, b == 0xED ? 0x9F : 0xBF);
            }
            if (b >= 0xF0 && b <= 0xF4) {
                return at(UTF8, c, 3, b == 0xF0 ? 0x90 : 0x80, b == 0xF4 ? 0x8F : 0xBF);
            }
            return null;
        }

        private Frame hex(int b) {
            boolean digit = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
            if (!digit || (lo == 1 && !(b >= '0' && b <= '7'))) {
                return null;
            }
            if (need == 1) {
                return at(BODY, count, 0, 0, 0);
            }
            return at(HEX, count, need - 1, need == 4 && (b == 'd' || b == 'D') ? 1 : 0, 0);
        }

        private Text at(int newPhase, int newCount, int newNeed, int newLo, int newHi) {
            return new Text(shape, newPhase, newCount, newNeed, newLo, newHi, next);
        }

        public int closeCost() {
            int charsLeft = Math.max(0, shape.minChars() - count);
            int own = switch (phase) {
                case OPEN -> Shape.saturated(2L + shape.minChars());
                case BODY -> Shape.saturated(charsLeft + 1L);
                case ESCAPE -> Shape.saturated(2L + charsLeft);
                default -> Shape.saturated((long) need + charsLeft + 1);
            };
            return Shape.saturated((long) own + next.closeCost());
        }

        public Frame key(int longest) {
            int c = count;
            // Past minChars, only the room left matters, and only up to what one token can use.
            if (phase != OPEN && c >= shape.minChars()) {
                if (shape.maxChars() == Shape.UNBOUNDED) {
                    c = shape.minChars();
                } else if (shape.maxChars() - c > longest) {
                    c = shape.maxChars() - longest;
                }
            }
            return new Text(shape, phase, c, need, lo, hi, next.key(longest));
        }
    }

    /** A number in RFC 8259 form, digits capped; the accepting phases pass other bytes to `next`. */
    record Number(boolean integer, int phase, int digits, Frame next) implements Frame {
        static final int START = 0;
        static final int MINUS = 1;
        static final int ZERO = 2;
        static final int INT = 3;
        static final int DOT = 4;
        static final int FRACTION = 5;
        static final int EXP = 6;
        static final int EXP_SIGN = 7;
        static final int EXP_DIGITS_PHASE = 8;

        public Frame feed(int b) {
            Frame own = own(b);
            if (own != null) {
                return own;
            }
            return accepting() ? next.feed(b) : null;
        }

        private Frame own(int b) {
            boolean digit = b >= '0' && b <= '9';
            boolean exp = !integer && (b == 'e' || b == 'E');
            boolean dot = !integer && b == '.';
            return switch (phase) {
                case START -> b == '-' ? at(MINUS, 0) : b == '0' ? at(ZERO, 1) : digit ? at(INT, 1) : null;
                case MINUS -> b == '0' ? at(ZERO, 1) : digit ? at(INT, 1) : null;
                case ZERO -> dot ? at(DOT, 0) : exp ? at(EXP, 0) : null;
                case INT -> digit && digits < INT_DIGITS ? at(INT, digits + 1) : dot ? at(DOT, 0) : exp ? at(EXP, 0) : null;
                case DOT -> digit ? at(FRACTION, 1) : null;
                case FRACTION -> digit && digits < FRACTION_DIGITS ? at(FRACTION, digits + 1) : exp ? at(EXP, 0) : null;
                case EXP -> b == '+' || b == '-' ? at(EXP_SIGN, 0) : digit ? at(EXP_DIGITS_PHASE, 1) : null;
                case EXP_SIGN -> digit ? at(EXP_DIGITS_PHASE, 1) : null;
                default -> digit && digits < EXPONENT_DIGITS ? at(EXP_DIGITS_PHASE, digits + 1) : null;
            };
        }

        private Number at(int newPhase, int newDigits) {
            return new Number(integer, newPhase, newDigits, next);
        }

        private boolean accepting() {
            return phase == ZERO || phase == INT || phase == FRACTION || phase == EXP_DIGITS_PHASE;
        }

        public int closeCost() {
            return Shape.saturated((long) (accepting() ? 0 : 1) + next.closeCost());
        }

        public boolean mayEnd() {
            return accepting() && next.mayEnd();
        }

        public boolean done() {
            return accepting() && own('0') == null && own('.') == null && own('e') == null && next.done();
        }

        public Frame key(int longest) {
            return new Number(integer, phase, digits, next.key(longest));
        }
    }

    /**
     * An object: OPEN before '{'; AFTER right after '{' (index −1) or after the value of property
     * `index`; KEY inside a key, `matched` bytes of `"name":` read, `alive` the properties possible.
     */
    record Members(Shape.Obj shape, int phase, int index, int matched, long alive, Frame next) implements Frame {
        static final int OPEN = 0;
        static final int AFTER = 1;
        static final int KEY = 2;

        public Frame feed(int b) {
            return switch (phase) {
                case OPEN -> b == '{' ? new Members(shape, AFTER, -1, 0, 0L, next) : null;
                case AFTER -> after(b);
                default -> inKey(b);
            };
        }

        private Frame after(int b) {
            if (b == '}') {
                return shape.mayCloseAfter(index) ? next : null;
            }
            long candidates = shape.candidatesAfter(index);
            if (candidates == 0) {
                return null;
            }
            if (index < 0) {
                return new Members(shape, KEY, index, 0, candidates, next).inKey(b);
            }
            return b == ',' ? new Members(shape, KEY, index, 0, candidates, next) : null;
        }

        private Frame inKey(int b) {
            long still = 0;
            for (int j = index + 1; j < shape.keys.length; j++) {
                byte[] k = shape.keys[j];
                if ((alive & 1L << j) != 0 && (k[matched] & 0xFF) == b) {
                    if (k.length == matched + 1) {
                        // keys are JSON strings plus ':', so prefix-free: property j it is
                        return Frame.start(shape.properties[j].value(), new Members(shape, AFTER, j, 0, 0L, next));
                    }
                    still |= 1L << j;
                }
            }
            return still == 0 ? null : new Members(shape, KEY, index, matched + 1, still, next);
        }

        public int closeCost() {
            int own = switch (phase) {
                case OPEN -> shape.minLength();
                case AFTER -> shape.tail[index + 1];
                default -> {
                    int best = Integer.MAX_VALUE;
                    for (int j = index + 1; j < shape.keys.length; j++) {
                        if ((alive & 1L << j) != 0) {
                            best = Math.min(best, Shape.saturated((long) shape.keys[j].length - matched
                                    + shape.properties[j].value().minLength() + shape.tail[j + 1]));
                        }
                    }
                    yield best;
                }
            };
            return Shape.saturated((long) own + next.closeCost());
        }

        public Frame key(int longest) {
            return new Members(shape, phase, index, matched, alive, next.key(longest));
        }
    }

    /** An array: OPEN before '['; AFTER right after '[' (count 0) or after its count-th item. */
    record Items(Shape.Arr shape, int phase, int count, Frame next) implements Frame {
        static final int OPEN = 0;
        static final int AFTER = 1;

        public Frame feed(int b) {
            if (phase == OPEN) {
                return b == '[' ? new Items(shape, AFTER, 0, next) : null;
            }
            if (b == ']') {
                return count >= shape.minItems ? next : null;
            }
            if (count >= shape.maxItems) {
                return null;
            }
            Frame item = Frame.start(shape.items, new Items(shape, AFTER, count + 1, next));
            if (count == 0) {
                return item.feed(b);
            }
            return b == ',' ? item : null;
        }

        public int closeCost() {
            int own;
            if (phase == OPEN) {
                own = shape.minLength();
            } else if (count == 0) {
                own = shape.minLength() - 1;
            } else {
                own = Shape.saturated(Math.max(0, shape.minItems - count) * (1L + shape.items.minLength()) + 1);
            }
            return Shape.saturated((long) own + next.closeCost());
        }

        public Frame key(int longest) {
            // With no maxItems, every count past minItems behaves alike.
            int c = phase == AFTER && count > 0 && shape.maxItems == Shape.UNBOUNDED && count > shape.minItems
                    ? Math.max(1, shape.minItems) : count;
            return new Items(shape, phase, c, next.key(longest));
        }
    }
}
