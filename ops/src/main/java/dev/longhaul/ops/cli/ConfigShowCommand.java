/*
 * `longhaul config show [--config FILE] [Kafka and engine options] [--model DIR]`: prints the
 * effective configuration, one key a line: the key, its value (secrets as ****, "(unset)" when not
 * set) and where the value came from (default, file PATH, env NAME, option NAME). It takes the
 * options the other commands default from the configuration, so that `config show --namespace x`
 * shows what `worker --namespace x` would run with.
 */
package dev.longhaul.ops.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.longhaul.ops.config.EffectiveConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Print the effective configuration: key, value (secrets masked) and source.")
public final class ConfigShowCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Mixin
    EngineOptions engine;

    @Option(names = "--model", paramLabel = "DIR", description = "The worker's model folder (default: the configuration's, if set).")
    Path model;

    @Spec
    CommandSpec spec;

    /** The file and environment layers, with the options given here on top. */
    EffectiveConfig effective() {
        EffectiveConfig c = ConfigDefaults.of(spec);
        for (OptionSpec option : spec.commandLine().getParseResult().matchedOptions()) {
            var key = ConfigDefaults.keyFor(option);
            if (key.isPresent() && !option.originalStringValues().isEmpty()) {
                c = c.withOption(key.get(), option.longestName(), option.originalStringValues().getLast());
            }
        }
        return c;
    }

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        effective().show().forEach(out::println);
        out.flush();
        return 0;
    }
}
