/*
 * Test files by the conventions of the common ecosystems: anything under a directory named test,
 * tests, __tests__, spec, specs or testing (Maven's src/test, pytest's tests/, Jest's __tests__),
 * or a file named like a test (FooTest.java, FooTests.kt, FooIT.java, test_foo.py, foo_test.py,
 * foo_test.go, foo.test.ts, foo.spec.js, foo_spec.rb). A test root is the path up to and including
 * the test directory, or the folder of a test named by its file name. Test cases are counted
 * by line (@Test, @ParameterizedTest, def test_, func Test, it( / test( calls), an estimate.
 */
package dev.longhaul.pipeline.analyze.repo;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

final class TestFiles {
    private static final Set<String> TEST_DIRS = Set.of("test", "tests", "__tests__", "spec", "specs", "testing");
    private static final Pattern TEST_NAME = Pattern.compile(
            "(.+(Test|Tests|IT|TestCase)\\.(java|kt|scala|groovy|cs))|(test_.+\\.py)|(.+_test\\.(py|go|rs|cc|cpp|c))"
                    + "|(.+\\.(test|spec)\\.(js|jsx|ts|tsx|mjs|cjs))|(.+_spec\\.rb)");
    private static final Pattern CASE = Pattern.compile(
            "^\\s*(@Test\\b|@ParameterizedTest\\b|@RepeatedTest\\b|@TestFactory\\b|(async\\s+)?def\\s+test_?\\w*\\s*\\(|func\\s+Test\\w*\\s*\\("
                    + "|#\\[test]|#\\[tokio::test]|(it|test)\\s*\\(\\s*['\"`])");

    private TestFiles() {}

    /** The test root of {@code path} when it is a test file, else null. */
    static String root(String path) {
        String[] parts = path.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            if (TEST_DIRS.contains(parts[i].toLowerCase(Locale.ROOT))) {
                return String.join("/", java.util.Arrays.copyOf(parts, i + 1));
            }
        }
        if (TEST_NAME.matcher(parts[parts.length - 1]).matches()) {
            int slash = path.lastIndexOf('/');
            return slash < 0 ? "." : path.substring(0, slash);
        }
        return null;
    }

    /** Does this line of a test file declare a test case? */
    static boolean isCase(String line) {
        return CASE.matcher(line).find();
    }
}
