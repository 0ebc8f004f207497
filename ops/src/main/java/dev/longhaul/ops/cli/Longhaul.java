/*
 * The `longhaul` command line: the entry point the launcher script runs. One class per
 * subcommand; each parses its arguments, calls the engine or the ingest library, and prints. Exit
 * status: 0 on success, 1 when a check the command ran failed (golden) or a job did not succeed or
 * has no status (submit --follow, status), 2 for a usage error or any error raised while
 * running (one line on stderr with the exception's message; the stack trace only with --verbose).
 */
package dev.longhaul.ops.cli;

import java.nio.file.Path;
import java.util.Map;

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
            ControlCommand.Pause.class,
            ControlCommand.Resume.class,
            ControlCommand.Priority.class,
            WorkerCommand.class,
            ServeCommand.class,
            SinkCommand.class,
            RegistryCommand.class,
            StackCommand.class,
            PipelineCommand.class,
            DashboardCommand.class,
            ConfigCommand.class,
            EvalCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Longhaul implements Runnable {
    /** Exit status for an error while running (bad model folder, empty prompt, ...), as for usage errors. */
    static final int ERROR = 2;

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean verbose;

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Configuration file (default: the file $LONGHAUL_CONFIG names, else ./longhaul.properties if present).")
    Path configFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, on this process's environment and working directory. */
    public static CommandLine commandLine() {
        return commandLine(System.getenv(), Path.of(""));
    }

    /** The command line with the environment and working directory given: tests parse with it. */
    public static CommandLine commandLine(Map<String, String> env, Path workDir) {
        Longhaul root = new Longhaul();
        CommandLine cl = new CommandLine(root);
        cl.setExecutionExceptionHandler(Longhaul::reportError);
        // Set after the subcommands exist, so that every one of them asks this provider.
        cl.setDefaultValueProvider(new ConfigDefaults(env, workDir, () -> root.configFile));
        return cl;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
    }

    /** One clear line on stderr and status 2; the stack trace only when --verbose was given. */
    private static int reportError(Exception e, CommandLine cl, ParseResult parsed) {
        String message = e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
        if (e instanceof java.nio.file.FileSystemException fs && fs.getReason() == null && fs.getFile() != null) {
            // their messages are the path alone: say what about it (a file where a folder should be, ...)
            message = fs.getFile() + (fs.getOtherFile() == null ? "" : " -> " + fs.getOtherFile()) + ": " + switch (fs) {
                case java.nio.file.FileAlreadyExistsException x -> "exists already (a file where a folder should be?)";
                case java.nio.file.NoSuchFileException x -> "no such file or folder";
                case java.nio.file.AccessDeniedException x -> "permission denied";
                case java.nio.file.NotDirectoryException x -> "not a folder";
                case java.nio.file.DirectoryNotEmptyException x -> "folder not empty";
                default -> fs.getClass().getSimpleName();
            };
        }
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
