/*
 * The configuration a command runs with, and where each value came from. Layers, lowest first:
 * LonghaulConfig.DEFAULTS; one properties file (--config FILE, else the file LONGHAUL_CONFIG names,
 * else `longhaul.properties` in the working directory when there is one); the LONGHAUL_* environment
 * variables (ConfigKey.env); and the command's own options (withOption). The environment is handed
 * in as a Map, so tests never touch the process's. An unknown key in the file, a file that was asked
 * for but is missing, or a bad value fails with a message naming the key and where it came from.
 */
package dev.longhaul.ops.config;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

public record EffectiveConfig(LonghaulConfig config, Map<ConfigKey, String> given, Map<ConfigKey, Source> sources) {
    /** The file read from the working directory when neither --config nor LONGHAUL_CONFIG names one. */
    public static final String FILE_NAME = "longhaul.properties";
    /** The environment variable naming the configuration file. */
    public static final String CONFIG_ENV = "LONGHAUL_CONFIG";

    /** Where a value came from, as `config show` prints it: default, file PATH, env NAME, option NAME. */
    public record Source(String kind, String detail) {
        public static final Source DEFAULT = new Source("default", "");

        @Override
        public String toString() {
            return detail.isEmpty() ? kind : kind + " " + detail;
        }
    }

    public EffectiveConfig {
        given = Map.copyOf(given);
        sources = Map.copyOf(sources);
    }

    /** Nothing given: every value is its default. */
    public static EffectiveConfig defaults() {
        return new EffectiveConfig(LonghaulConfig.DEFAULTS, Map.of(), Map.of());
    }

    /**
     * Defaults, then the file, then the environment. configOption is the --config value (null when
     * not given); workDir is where `longhaul.properties` is looked for.
     */
    public static EffectiveConfig load(Path configOption, Map<String, String> env, Path workDir) {
        Map<ConfigKey, String> given = new EnumMap<>(ConfigKey.class);
        Map<ConfigKey, Source> sources = new EnumMap<>(ConfigKey.class);
        Path file = configFile(configOption, env, workDir);
        if (file != null) {
            Source from = new Source("file", file.toString());
            readFile(file).forEach((key, value) -> {
                given.put(key, value);
                sources.put(key, from);
            });
        }
        for (ConfigKey key : ConfigKey.values()) {
            String value = env.get(key.env());
            // An empty variable (as an unset Kubernetes value renders) means not given, not "".
            if (value != null && !value.isBlank()) {
                given.put(key, value);
                sources.put(key, new Source("env", key.env()));
            }
        }
        return parse(given, sources);
    }

    /** This configuration with a command-line option's value on top. */
    public EffectiveConfig withOption(ConfigKey key, String optionName, String value) {
        Map<ConfigKey, String> g = new EnumMap<>(ConfigKey.class);
        g.putAll(given);
        g.put(key, value);
        Map<ConfigKey, Source> s = new EnumMap<>(ConfigKey.class);
        s.putAll(sources);
        s.put(key, new Source("option", optionName));
        return parse(g, s);
    }

    public Source source(ConfigKey key) {
        return sources.getOrDefault(key, Source.DEFAULT);
    }

    /** One line per key: the key, its value (secrets as ****, "(unset)" when not set) and its source. */
    public List<String> show() {
        int width = Arrays.stream(ConfigKey.values()).mapToInt(k -> k.property().length()).max().orElse(0);
        List<String> lines = new ArrayList<>();
        for (ConfigKey key : ConfigKey.values()) {
            String value = config.text(key);
            String shown = value.isEmpty() ? "(unset)" : key.secret() ? LonghaulConfig.Secret.MASK : value;
            lines.add(String.format("%-" + width + "s  %-28s  %s", key.property(), shown, source(key)));
        }
        return lines;
    }

    /** given holds secrets in clear: printed, this shows what show() shows. */
    @Override
    public String toString() {
        return "EffectiveConfig" + show();
    }

    private static EffectiveConfig parse(Map<ConfigKey, String> given, Map<ConfigKey, Source> sources) {
        try {
            return new EffectiveConfig(LonghaulConfig.DEFAULTS.with(given), given, sources);
        } catch (LonghaulConfig.InvalidValue e) {
            Source from = sources.getOrDefault(e.key(), Source.DEFAULT);
            throw new IllegalArgumentException("configuration: " + e.getMessage() + " (from " + from + ")", e);
        }
    }

    /** --config, else LONGHAUL_CONFIG (both must exist), else ./longhaul.properties if present, else none. */
    private static Path configFile(Path configOption, Map<String, String> env, Path workDir) {
        if (configOption != null) {
            return mustExist(configOption, "--config");
        }
        String named = env.get(CONFIG_ENV);
        if (named != null && !named.isBlank()) {
            return mustExist(Path.of(named), CONFIG_ENV);
        }
        Path local = workDir.resolve(FILE_NAME);
        return Files.isRegularFile(local) ? local : null;
    }

    private static Path mustExist(Path file, String namedBy) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("configuration file " + file + " (named by " + namedBy + ") does not exist");
        }
        return file;
    }

    /** The file's keys; blank values count as not given, so a template may list every key. */
    private static Map<ConfigKey, String> readFile(Path file) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read configuration file " + file, e);
        }
        Map<ConfigKey, String> values = new EnumMap<>(ConfigKey.class);
        for (String name : p.stringPropertyNames()) {
            // A typo (bootstrap.server) would otherwise silently leave the default in force.
            ConfigKey key = ConfigKey.ofProperty(name).orElseThrow(() -> new IllegalArgumentException(
                    "configuration file " + file + ": unknown key '" + name + "' (known: "
                            + String.join(", ", Arrays.stream(ConfigKey.values()).map(ConfigKey::property).toList()) + ")"));
            String value = p.getProperty(name);
            if (!value.isBlank()) {
                values.put(key, value);
            }
        }
        return values;
    }
}
