/*
 * The `longhaul` command line: the entry point the launcher script runs. One class per
 * subcommand; each parses its arguments, calls the engine or the ingest library, and prints. Exit
 * status: 0 on success, 1 when a check the command ran failed (golden) or a job did not succeed or
 * has no status (submit --follow, status), 2 for a usage error or any error raised while
 * running (one line on stderr with the exception's message; the stack trace only with --verbose).
 */
package dev.longhaul.ops.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

@Command(name = "longhaul",
        mixinStandardHelpOptions = true,
        versionProvider = Longhaul.Version.class,
        description = "Batch inference over very long documents: the MiniMax-01 engine and job submission over Kafka.",
        subcommands = {
            GoldenCommand.class,
            GenerateCommand.class,
            ModelCommand.class,
            BenchCommand.class,
            DemoCommand.class,
            SubmitCommand.class,
            StatusCommand.class,
            CancelCommand.class,
            WorkerCommand.class,
            ServeCommand.class,
            SinkCommand.class,
            RegistryCommand.class,
            StackCommand.class,
            DashboardCommand.class,
            EvalCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Longhaul implements Runnable {
    /** Exit status for an error while running (bad model folder, empty prompt, ...), as for usage errors. */
    static final int ERROR = 2;

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests parse with it without executing. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Longhaul());
        cl.setExecutionExceptionHandler(Longhaul::reportError);
        return cl;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
    }

    /** One clear line on stderr and status 2; the stack trace only when --verbose was given. */
    private static int reportError(Exception e, CommandLine cl, ParseResult parsed) {
        String message = e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
        cl.getErr().println(cl.getCommandSpec().qualifiedName() + ": " + message);
        if (verboseRequested(parsed)) {
            e.printStackTrace(cl.getErr());
        }
        cl.getErr().flush();
        return ERROR;
    }

    /** `parsed` is the full parse result (top command first); --verbose may sit at any level. */
    private static boolean verboseRequested(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Longhaul.class.getPackage().getImplementationVersion();
            return new String[] {"longhaul " + (v == null ? "(development build)" : v)};
        }
    }
}
