/*
 * Test fixture: the production command line (Longhaul.commandLine()) parsed or executed as a user
 * would run it, for the command-line tests of every subcommand.
 */
package dev.longhaul.ops.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

final class CommandLines {
    /** An executed command line: its exit status and what it printed. */
    record Run(int status, String out, String err) {}

    private CommandLines() {
    }

    /** The innermost subcommand's object after parsing `args` (nothing runs). */
    static Object parse(String... args) {
        ParseResult result = Longhaul.commandLine().parseArgs(args);
        while (result.hasSubcommand()) {
            result = result.subcommand();
        }
        return result.commandSpec().userObject();
    }

    /** Runs `args` through the command line with captured output. */
    static Run execute(String... args) {
        CommandLine cl = Longhaul.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int status = cl.execute(args);
        return new Run(status, out.toString(), err.toString());
    }
}
