/*
 * The bridge between the typed configuration and picocli: an IDefaultValueProvider on the root
 * command, so that every option bound to a configuration key (BINDINGS) takes its default from the
 * effective configuration (defaults < file < environment), and an option given on the command line
 * still wins. The configuration is loaded when the first bound default is asked for, after the
 * root's --config has been parsed, and again only if --config changes. Commands reach it (for the
 * Kafka security settings, which have no options) through of(spec).
 */
package dev.longhaul.ops.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

import dev.longhaul.ops.config.ConfigKey;
import dev.longhaul.ops.config.EffectiveConfig;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

final class ConfigDefaults implements CommandLine.IDefaultValueProvider {
    /** An option bound to a key: in every command (command null) or in the one command named. */
    private record Binding(String command, String option, ConfigKey key) {
    }

    /** Which options take their defaults from which keys; one place, like the defaults themselves. */
    private static final List<Binding> BINDINGS = List.of(
            new Binding(null, "--bootstrap-servers", ConfigKey.BOOTSTRAP_SERVERS),
            new Binding(null, "--registry-url", ConfigKey.REGISTRY_URL),
            new Binding(null, "--namespace", ConfigKey.NAMESPACE),
            new Binding(null, "--backend", ConfigKey.BACKEND),
            new Binding(null, "--threads", ConfigKey.THREADS),
            // --model elsewhere (generate, bench) names the model under test, not the worker's.
            new Binding("longhaul worker", "--model", ConfigKey.MODEL),
            new Binding("longhaul config show", "--model", ConfigKey.MODEL),
            // The registry's --port is its own; only the dashboard's is configured.
            new Binding("longhaul dashboard", "--port", ConfigKey.DASHBOARD_PORT));

    /** The commands whose --backend may be remote:URL (an OpenAI-compatible server). */
    private static final java.util.Set<String> REMOTE_COMMANDS = java.util.Set.of("longhaul worker", "longhaul config show");

    private final Map<String, String> env;
    private final Path workDir;
    private final Supplier<Path> configOption;
    private Path loadedFor;
    private EffectiveConfig loaded;

    /** env is the process environment (tests pass a Map); configOption reads the root's --config. */
    ConfigDefaults(Map<String, String> env, Path workDir, Supplier<Path> configOption) {
        this.env = Map.copyOf(env);
        this.workDir = workDir;
        this.configOption = configOption;
    }

    /** Defaults, file and environment, as for the --config now parsed. */
    EffectiveConfig effective() {
        Path option = configOption.get();
        if (loaded == null || !Objects.equals(option, loadedFor)) {
            loaded = EffectiveConfig.load(option, env, workDir);
            loadedFor = option;
        }
        return loaded;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option)) {
            return null;
        }
        Optional<ConfigKey> key = keyFor(option);
        if (key.isEmpty()) {
            return null;
        }
        try {
            String value = effective().config().text(key.get());
            if (key.get() == ConfigKey.BACKEND && value.startsWith(dev.longhaul.pipeline.worker.WorkerConfig.REMOTE)
                    && !REMOTE_COMMANDS.contains(option.command().qualifiedName())) {
                // a remote inference server is the workers' engine: a deployment that configures
                // one must not make golden, generate, bench or serve fail; they take the default one
                return dev.longhaul.ops.config.LonghaulConfig.DEFAULTS.text(ConfigKey.BACKEND);
            }
            // Unset (no model, all threads): the option keeps its own meaning of absent.
            return value.isEmpty() ? null : value;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(option.command().commandLine(), e.getMessage(), e, arg, null);
        }
    }

    /** The key an option takes its default from, if it is bound to one. */
    static Optional<ConfigKey> keyFor(OptionSpec option) {
        String command = option.command() == null ? "" : option.command().qualifiedName();
        return BINDINGS.stream()
                .filter(b -> b.option().equals(option.longestName()) && (b.command() == null || b.command().equals(command)))
                .map(Binding::key)
                .findFirst();
    }

    /** The configuration of the command line `spec` belongs to; the defaults outside Longhaul's. */
    static EffectiveConfig of(CommandSpec spec) {
        return spec.commandLine() != null && spec.commandLine().getDefaultValueProvider() instanceof ConfigDefaults d
                ? d.effective()
                : EffectiveConfig.defaults();
    }
}
