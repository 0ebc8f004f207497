/*
 * Rx's readable spaces: between tokens one or more whitespace characters (a PDF's line breaks and
 * padding), " ?" maybe some, and inside a character class exactly one whitespace character, never
 * the '+' a blind rewrite to \s+ let into "[ -]".
 */
package dev.longhaul.pipeline.analyze.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

class RxTest {
    @Test
    void aSpaceInsideACharacterClassIsOneWhitespaceCharacter() {
        Pattern dash = Rx.of("sixty[ -]day");
        assertTrue(dash.matcher("sixty-day").matches());
        assertTrue(dash.matcher("sixty day").matches());
        assertTrue(dash.matcher("Sixty\nday").matches());
        assertFalse(dash.matcher("sixty+day").matches(), "the class took a '+'");
        assertFalse(dash.matcher("sixty  day").matches(), "a class is one character");
        assertTrue(Rx.of("a[^ ]b").matcher("axb").matches());
        assertFalse(Rx.of("a[^ ]b").matcher("a\tb").matches());
        assertTrue(Rx.of("[] ]x").matcher("]x").matches(), "a ']' first in a class is a literal");
        Pattern union = Rx.of("[a[ -]]b");
        assertTrue(union.matcher("-b").matches());
        assertTrue(union.matcher("\nb").matches());
        assertFalse(union.matcher("+b").matches(), "a nested class took a '+'");
        assertTrue(Rx.of("x \\Q[ ]\\E y").matcher("x  [ ] y").matches(), "quoted text is as written");
        assertFalse(Rx.of("x \\Q[ ]\\E y").matcher("x [  ] y").matches());
    }

    @Test
    void spacesBetweenTokensStretchAndAnOptionalSpaceMayBeNone() {
        assertEquals("governing\\s+law\\s*:", Rx.expand("governing law ?:"));
        assertTrue(Rx.of("governing law ?:").matcher("GOVERNING \r\n  LAW:").matches());
        assertTrue(Rx.of("a\\ b").matcher("a b").matches(), "an escaped space stays one space");
        assertFalse(Rx.of("a\\ b").matcher("a  b").matches());
        assertTrue(Rx.of("\\[ x").matcher("[  x").matches(), "an escaped '[' opens no class");
    }
}
